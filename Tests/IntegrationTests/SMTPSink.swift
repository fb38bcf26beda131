import Foundation
import Synchronization
import TestSupport

/// A real SMTP server (Debian's aiosmtpd, Tests/Fixtures/SMTP/smtp_server.py) writing every
/// message it accepts into a Maildir; optionally slow, with STARTTLS, AUTH, or refusing
/// recipients that contain some text.
final class SMTPSink: Sendable {
    let port: Int
    let maildir: URL
    let options: [String]
    private let process = ChildProcess()

    init(
        port: Int = freePort(), delay: Double = 0, tls: (certificate: String, key: String)? = nil, auth: String? = nil,
        reject: String? = nil
    ) {
        self.port = port
        var options = ["--delay", "\(delay)"]
        if let tls { options += ["--tls", tls.certificate, tls.key] }
        if let auth { options += ["--auth", auth] }
        if let reject { options += ["--reject", reject] }
        self.options = options
        maildir = Paths.root.appendingPathComponent("var/test-mail/\(UUID().uuidString.prefix(8))")
    }

    func start() async throws {
        // The server makes the Maildir (and its new/cur/tmp) itself: it must not exist yet.
        try FileManager.default.createDirectory(
            at: maildir.deletingLastPathComponent(), withIntermediateDirectories: true)
        try process.start(
            "/usr/bin/python3",
            [
                Paths.root.appendingPathComponent("Tests/Fixtures/SMTP/smtp_server.py").path,
                "\(port)", maildir.path,
            ] + options)
        let ready = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            (try? Shell.run(
                "/usr/bin/python3", ["-c", "import socket; socket.create_connection(('127.0.0.1', \(self.port)), 1)"]))
                != nil
        }
        guard ready else { throw ShellError(description: "aiosmtpd did not start on \(port)") }
    }

    /// SIGKILL: the server has nothing to flush, Maildir delivery being atomic.
    func stop() { process.kill() }

    /// How many messages the Maildir holds (cheap enough to poll).
    func count() -> Int {
        ["new", "cur"].reduce(0) { total, folder in
            total
                + ((try? FileManager.default.contentsOfDirectory(atPath: maildir.appendingPathComponent(folder).path))?
                    .count ?? 0)
        }
    }

    /// Every message in the Maildir, parsed by Python's email package (a second, independent MIME reader).
    func messages() throws -> [[String: Any]] {
        let script = """
            import email, email.policy, json, mailbox, sys
            out = []
            for key, raw in mailbox.Maildir(sys.argv[1], create=False).items():
                msg = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
                parts = {p.get_content_type(): p.get_content() for p in msg.walk() if not p.is_multipart()}
                out.append({"message_id": msg["Message-ID"], "to": str(msg["To"]), "from": str(msg["From"]),
                            "subject": str(msg["Subject"]), "content_type": msg.get_content_type(), "date": msg["Date"],
                            "text": parts.get("text/plain", ""), "html": parts.get("text/html", ""),
                            "defects": [str(d) for d in msg.defects]})
            print(json.dumps(out))
            """
        guard FileManager.default.fileExists(atPath: maildir.appendingPathComponent("new").path) else { return [] }
        let output = try Shell.run("/usr/bin/python3", ["-c", script, maildir.path])
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] ?? []
    }

    deinit { stop() }
}
