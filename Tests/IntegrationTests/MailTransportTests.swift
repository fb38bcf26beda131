import Foundation
import Mail
import TestSupport
import Testing

/// The SMTP client against a real SMTP server: STARTTLS with AUTH, and how refusals surface.
@Suite struct MailTransportTests {
    let message = MIMEMessage(
        from: .init("hosting@example.net"), replyTo: nil, to: .init("ada@example.com"),
        subject: "Hello", text: "Hello", html: "<p>Hello</p>", messageID: "t1@hostwire.test", date: Date())

    /// A self-signed certificate for 127.0.0.1, made with openssl for this run.
    func certificate() throws -> (certificate: String, key: String) {
        let folder = Paths.root.appendingPathComponent("var/test-mail/tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let (certificate, key) = (
            folder.appendingPathComponent("cert.pem").path, folder.appendingPathComponent("key.pem").path
        )
        try Shell.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1",
            ])
        return (certificate, key)
    }

    @Test func startTLSWithAuthDelivers() async throws {
        let tls = try certificate()
        let server = SMTPSink(tls: tls, auth: "mailer:s3cret-pass")
        try await server.start()
        defer { server.stop() }
        let transport = SMTPTransport(
            host: "127.0.0.1", port: server.port, security: .starttls, username: "mailer",
            password: "s3cret-pass", caFile: tls.certificate, timeout: .seconds(10))
        try await transport.send(message.rendered(), from: "hosting@example.net", to: ["ada@example.com"])
        #expect(try server.messages().first?["message_id"] as? String == "<t1@hostwire.test>")

        let wrongPassword = SMTPTransport(
            host: "127.0.0.1", port: server.port, security: .starttls, username: "mailer",
            password: "wrong", caFile: tls.certificate, timeout: .seconds(10))
        await #expect(throws: MailDeliveryError.self) {
            try await wrongPassword.send(message.rendered(), from: "hosting@example.net", to: ["ada@example.com"])
        }
        // Without the server's CA the certificate is not trusted, and nothing is sent in clear.
        let untrusting = SMTPTransport(
            host: "127.0.0.1", port: server.port, security: .starttls, username: "mailer",
            password: "s3cret-pass", timeout: .seconds(10))
        await #expect(throws: MailDeliveryError.self) {
            try await untrusting.send(message.rendered(), from: "hosting@example.net", to: ["ada@example.com"])
        }
        #expect(try server.messages().count == 1)
    }

    @Test func aRefusedRecipientIsPermanentWithTheServersReply() async throws {
        let server = SMTPSink(reject: "nobody")
        try await server.start()
        defer { server.stop() }
        let transport = SMTPTransport(host: "127.0.0.1", port: server.port, security: .none, timeout: .seconds(10))
        do {
            try await transport.send(message.rendered(), from: "hosting@example.net", to: ["nobody@example.com"])
            Issue.record("a refused recipient was accepted")
        } catch {
            guard case .permanent(let code, let reply) = error else {
                Issue.record("not permanent: \(error)")
                return
            }
            #expect(code == 550)
            #expect(reply.contains("550"), "\(reply)")
        }
        // Nothing listening: worth trying again later.
        let closed = SMTPTransport(host: "127.0.0.1", port: freePort(), security: .none, timeout: .seconds(5))
        do {
            try await closed.send(message.rendered(), from: "hosting@example.net", to: ["ada@example.com"])
        } catch {
            #expect({ if case .transient = error { true } else { false } }(), "\(error)")
        }
    }
}
