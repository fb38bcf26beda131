"""An aiosmtpd Maildir handler that takes its time over each message, so tests can cut a
batch of sends in the middle: `-c slow_mailbox.SlowMailbox DIR SECONDS`."""
import asyncio

from aiosmtpd.handlers import Mailbox


class SlowMailbox(Mailbox):
    def __init__(self, mail_dir, delay="0.1"):
        super().__init__(mail_dir)
        self.delay = float(delay)

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) not in (1, 2):
            parser.error("The directory to the Maildir and an optional delay in seconds are required")
        return cls(*args)
