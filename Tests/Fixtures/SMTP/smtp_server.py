"""A test SMTP server on aiosmtpd that keeps every accepted message in a Maildir.

usage: smtp_server.py PORT MAILDIR [--delay SECONDS] [--tls CERT KEY] [--auth USER:PASSWORD]
                                   [--reject TEXT]

--delay     takes its time over each message, so a batch of sends can be cut in the middle
--tls       offers STARTTLS with that certificate (and then requires it)
--auth      requires AUTH PLAIN/LOGIN with those credentials
--reject    refuses any recipient containing TEXT with 550 (a permanent failure)
"""
import argparse
import asyncio
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult


class TestMailbox(Mailbox):
    def __init__(self, mail_dir, delay, reject):
        super().__init__(mail_dir)
        self.delay = delay
        self.reject = reject

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject and self.reject in address:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("maildir")
    parser.add_argument("--delay", type=float, default=0)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth")
    parser.add_argument("--reject")
    options = parser.parse_args()

    context = None
    if options.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*options.tls)
    authenticator = None
    if options.auth:
        user, password = options.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok)

    controller = Controller(
        TestMailbox(options.maildir, options.delay, options.reject), hostname="127.0.0.1", port=options.port,
        tls_context=context, require_starttls=context is not None, authenticator=authenticator,
        auth_required=authenticator is not None, auth_require_tls=context is not None)
    controller.start()
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
