import Contracts
import Delivery
import Foundation
import Mail
import PostgresNIO
import Secrets
import TestSupport
import Testing
import WireCodec
import ZeroMQ

/// Transactional email over a real SMTP server: each message once, valid MIME, values escaped.
@Suite(.serialized) struct MailTests {
    @Test("a message renders as multipart/alternative that another MIME reader parses")
    func mimeIsValid() throws {
        let message = MIMEMessage(
            from: .init("hosting@example.net", name: "Hôsting, Inc."), replyTo: .init("help@example.net"),
            to: .init("ada@example.com", name: "Ada Lovelace"),
            subject: "Ihr Zugang für bücher.example ist bereit — willkommen!",
            text: "Grüße\n" + String(repeating: "lang ", count: 40) + "\n.dot line\ntrailing space ",
            html: "<p>Grüße &amp; mehr</p>", messageID: "abc123@hostwire.test",
            date: Date(timeIntervalSince1970: 1_800_000_000))
        let bytes = message.rendered()
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line)") }
        #expect(bytes.allSatisfy { $0 < 128 }, "7-bit clean")
        #expect(text.contains("Subject: =?utf-8?B?"))
        #expect(text.contains("Date: Fri, 15 Jan 2027 08:00:00 +0000"))
        let sink = SMTPSink()
        try FileManager.default.createDirectory(
            at: sink.maildir.appendingPathComponent("new"), withIntermediateDirectories: true)
        for folder in ["cur", "tmp"] {
            try FileManager.default.createDirectory(
                at: sink.maildir.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data(bytes).write(to: sink.maildir.appendingPathComponent("new/1.test"))
        let parsed = try #require(try sink.messages().first)
        #expect(parsed["subject"] as? String == "Ihr Zugang für bücher.example ist bereit — willkommen!")
        #expect(parsed["from"] as? String == "\"Hôsting, Inc.\" <hosting@example.net>")
        #expect(parsed["content_type"] as? String == "multipart/alternative")
        #expect(parsed["message_id"] as? String == "<abc123@hostwire.test>")
        #expect((parsed["text"] as? String)?.hasPrefix("Grüße\n" + String(repeating: "lang ", count: 40)) == true)
        #expect((parsed["text"] as? String)?.contains("\ntrailing space ") == true)
        #expect(
            parsed["html"] as? String == "<p>Grüße &amp; mehr</p>\n"
                || parsed["html"] as? String == "<p>Grüße &amp; mehr</p>")
        #expect((parsed["defects"] as? [String])?.isEmpty == true)
    }

    @Test(
        "account.provisioned → exactly one welcome email, both parts, the right values (mailbox and database named), HTML escaped"
    )
    func welcomeEmail() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "mail"]) { database in
            let sandbox = Sandbox(database: database, tag: "welcome")
            defer { sandbox.stop() }
            try await sandbox.start(mail: true)
            try await sandbox.addServer()
            let order = try await sandbox.checkoutAPI.call(
                "POST", "/api/orders",
                json: [
                    "customer": ["email": "ada@welcome.example", "name": "Ada <b>\"Lovelace\" & Co"],
                    "product_id": "00000000-0000-4000-8000-000000000001", "billing_cycle": "monthly", "currency": "USD",
                    "domain": "welcome.example",
                ])
            let intent = try #require((order.json["payment"] as? [String: Any])?["payment_intent"] as? String)
            _ = try await sandbox.stripeAPI.call("POST", "/__sim/payment_intents/\(intent)/pay")
            var messages: [[String: Any]] = []
            #expect(
                await eventually(timeout: .seconds(60)) {
                    messages = try sandbox.smtp.messages()
                    return messages.contains { ($0["subject"] as? String)?.contains("is ready") == true }
                })
            try await Task.sleep(for: .seconds(1))
            messages = try sandbox.smtp.messages()
            let welcome = messages.filter { ($0["subject"] as? String) == "Your hosting for welcome.example is ready" }
            #expect(welcome.count == 1)
            let email = try #require(welcome.first)
            let text = try #require(email["text"] as? String)
            let html = try #require(email["html"] as? String)
            let account = try #require(try await sandbox.panelAccounts().first)
            let username = try #require(account["user"] as? String)
            #expect(text.contains("Hello Ada <b>\"Lovelace\" & Co,"), "plain text is not escaped")
            #expect(html.contains("Hello Ada &lt;b&gt;&quot;Lovelace&quot; &amp; Co,"), "HTML is escaped: \(html)")
            #expect(!html.contains("<b>\"Lovelace"))
            #expect(text.contains("Username:      \(username)"))
            #expect(text.contains("Control panel: https://whm1.sandbox.test:2083"))
            #expect(text.contains("ns1.sandbox.test"))
            #expect(text.contains("Mailbox:       info@welcome.example (the same password)"))
            #expect(text.contains("Database:      \(username)_main, user \(username)_main"))
            #expect(html.contains("<td>info@welcome.example (the same password)</td>"))
            let password = try #require(text.components(separatedBy: "Password:      ").last?.prefix(20)).description
            #expect(password.count == 20 && !password.contains(" "))
            #expect(html.contains(password.replacingOccurrences(of: "&", with: "&amp;")))
            #expect(
                email["to"] as? String == "\"Ada <b>\\\"Lovelace\\\" & Co\" <ada@welcome.example>"
                    || (email["to"] as? String)?.hasSuffix("<ada@welcome.example>") == true)
            // The order confirmation came too, and the password is nowhere in mail's tables.
            #expect(messages.contains { ($0["subject"] as? String) == "We received your order for Starter Hosting" })
            let stored = try await database.withAdmin { client in
                try await client.query("SELECT variables::text FROM mail.messages", logger: TestDatabase.logger)
                    .collect().map { try $0.decode(String.self) }.joined()
            }
            #expect(!stored.contains(password))
            #expect(try await database.count("SELECT count(*)::int FROM mail.messages WHERE status = 'sent'") == 2)
        }
    }
}

/// A broker, the mail service and an SMTP server, with a stand-in publisher of provisioning's events.
struct MailHarness: Sendable {
    let bus: TestBroker
    let mail: ServiceProcess
    let smtp: SMTPSink

    init(database: TestDatabase, tag: String, smtpDelay: Double = 0, reject: String? = nil) {
        bus = TestBroker(queues: ["mail", "provisioning"], tag: tag)
        smtp = SMTPSink(delay: smtpDelay, reject: reject)
        mail = Sandbox.mailProcess(bus: bus, database: database, smtp: smtp, tag: tag)
    }

    /// Runs `body` with the broker, the SMTP server and mail started, and stops all three after.
    static func running(
        _ database: TestDatabase, tag: String, smtpDelay: Double = 0, reject: String? = nil,
        _ body: (MailHarness) async throws -> Void
    ) async throws {
        let harness = MailHarness(database: database, tag: tag, smtpDelay: smtpDelay, reject: reject)
        defer {
            harness.mail.stop()
            harness.bus.process.stop()
            harness.smtp.stop()
        }
        try await harness.bus.process.start()
        try await harness.smtp.start()
        try await harness.mail.start()
        try await body(harness)
    }

    /// Publishes provisioning's events as its relay would, each with its id and sequence.
    func publish<E: Event>(_ events: [(id: UUID, sequence: Int, event: E)]) async throws {
        let loop = try await MessageLoop(
            context: ZMQContext(), name: "fake-provisioning",
            sockets: [
                SocketSpec(
                    .pub, [.connect("tcp://127.0.0.1:\(bus.eventsIn)")], options: bus.clientOptions(as: "provisioning"))
            ])
        // This publisher cannot replay: give the subscription time to reach it even on a loaded machine.
        try await Task.sleep(for: .seconds(2))
        for (id, sequence, event) in events {
            let header = EnvelopeHeader(
                id: id, type: E.wireName, version: 1, source: "provisioning", sequence: Int64(sequence))
            let wire = try WireMessage.make(event, to: E.topic, header: header)
            loop.send([Array(wire.address.utf8), wire.envelope], on: 0)
        }
        // Stopping the loop closes the socket: what it has not sent by then is gone.
        try await Task.sleep(for: .seconds(2))
        await loop.stop()
    }

    static func event(_ number: Int) throws -> AccountProvisioned {
        AccountProvisioned(
            accountID: UUID(), orderID: UUID(), customerID: UUID(), customerName: "Customer \(number)",
            contactEmail: "c\(number)@mail.example", domain: "site\(number).example", username: "site\(number)",
            serverHostname: "whm1.example.net", serverIP: "192.0.2.1", nameservers: ["ns1.example.net"],
            panel: "cpanel", controlPanelURL: "https://whm1.example.net:2083",
            sealedPassword: try FieldSealer(publicKey: Sandbox.mailKeys.publicKey, purpose: "account.password")
                .seal("Pw-\(number)-secret"))
    }
}

extension MailTests {
    @Test("the same event delivered three times, and once more under a new sequence: one email")
    func redeliveredEventMailsOnce() async throws {
        try await TestDatabase.with(services: ["mail"]) { database in
            try await MailHarness.running(database, tag: "mail-dupes") { harness in
                let id = UUID()
                let event = try MailHarness.event(1)
                try await harness.publish([(id, 1, event), (id, 1, event), (id, 1, event), (id, 2, event)])
                #expect(await eventually(timeout: .seconds(30)) { harness.smtp.count() == 1 })
                try await Task.sleep(for: .seconds(2))
                #expect(try harness.smtp.messages().count == 1)
                #expect(try await database.count("SELECT count(*)::int FROM mail.messages") == 1)
            }
        }
    }

    @Test("SMTP server down for a while: the email goes out once it is back, once")
    func smtpDownThenBack() async throws {
        try await TestDatabase.with(services: ["mail"]) { database in
            let harness = MailHarness(database: database, tag: "mail-down")
            defer {
                harness.mail.stop()
                harness.bus.process.stop()
                harness.smtp.stop()
            }
            try await harness.bus.process.start()
            try await harness.mail.start()
            try await harness.publish([(UUID(), 1, try MailHarness.event(7))])
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await database.count(
                        "SELECT count(*)::int FROM mail.delivery_attempts WHERE outcome = 'transient'") >= 2
                })
            #expect(try await database.count("SELECT count(*)::int FROM mail.messages WHERE status = 'queued'") == 1)
            try await harness.smtp.start()
            #expect(await eventually(timeout: .seconds(30)) { harness.smtp.count() == 1 })
            #expect(
                await eventually(timeout: .seconds(10)) {
                    try await database.count("SELECT count(*)::int FROM mail.messages WHERE status = 'sent'") == 1
                })
            let log = try await JSONClient(
                port: harness.mail.httpPort, headers: ["Authorization": "Bearer \(Sandbox.adminToken)"]
            )
            .call("GET", "/api/mail/messages?recipient=c7@mail.example")
            #expect((log.array.first?["attempts"] as? Int ?? 0) >= 3)
            #expect(log.array.first?["status"] as? String == "sent")
        }
    }

    @Test(
        "kill -9 of mail mid-batch of 500: all 500 arrive; a duplicate only for one in flight, with the same Message-ID"
    )
    func killedMidBatch() async throws {
        try await withLoadSlot {
            try await TestDatabase.with(services: ["mail"]) { database in
                try await MailHarness.running(database, tag: "mail-kill", smtpDelay: 0.1) { harness in
                    try await harness.publish(try (1...500).map { (UUID(), $0, try MailHarness.event($0)) })
                    // The stand-in publisher cannot replay, so the kill waits until every event is taken in:
                    // it then cuts the sending, which is what it is meant to test.
                    #expect(
                        await eventually(timeout: .seconds(120), every: .milliseconds(50)) {
                            try await database.count("SELECT count(*)::int FROM mail.messages") == 500
                        })
                    #expect(
                        await eventually(timeout: .seconds(60), every: .milliseconds(50)) { harness.smtp.count() >= 20 }
                    )
                    let sentBeforeKill = try await database.count(
                        "SELECT count(*)::int FROM mail.messages WHERE status = 'sent'")
                    harness.mail.kill()
                    #expect(sentBeforeKill < 500, "the kill came mid-batch")
                    try await harness.mail.start()
                    #expect(
                        await eventually(timeout: .seconds(180)) {
                            try await database.count("SELECT count(*)::int FROM mail.messages WHERE status = 'sent'")
                                == 500
                        })
                    let messages = try harness.smtp.messages()
                    var byRecipient: [String: Set<String>] = [:]
                    for message in messages {
                        byRecipient[message["to"] as! String, default: []].insert(message["message_id"] as! String)
                    }
                    #expect(byRecipient.count == 500)
                    #expect(byRecipient.values.allSatisfy { $0.count == 1 }, "a duplicate carries the same Message-ID")
                    #expect(
                        messages.count - 500 <= 8,
                        "duplicates only for messages in flight at the kill: \(messages.count - 500)")
                    #expect(
                        try await database.count("SELECT count(*)::int FROM mail.messages WHERE status = 'sent'") == 500
                    )
                }
            }
        }
    }
}

extension MailTests {
    @Test(
        "a refused recipient marks the message failed with the server's reply; resend sends again with the same Message-ID"
    )
    func refusalAndResend() async throws {
        try await TestDatabase.with(services: ["mail"]) { database in
            try await MailHarness.running(database, tag: "mail-resend", reject: "c2@") { harness in
                try await harness.publish([
                    (UUID(), 1, try MailHarness.event(1)), (UUID(), 2, try MailHarness.event(2)),
                ])
                let api = JSONClient(
                    port: harness.mail.httpPort, headers: ["Authorization": "Bearer \(Sandbox.adminToken)"])
                #expect(
                    await eventually(timeout: .seconds(30)) {
                        try await database.count("SELECT count(*)::int FROM mail.messages WHERE status <> 'queued'")
                            == 2
                    })
                let refused = try #require(try await api.call("GET", "/api/mail/messages?status=failed").array.first)
                #expect(refused["recipient"] as? String == "c2@mail.example")
                #expect((refused["last_error"] as? String)?.contains("550") == true)
                #expect(try await database.count("SELECT count(*)::int FROM mail.tasks WHERE status = 'failed'") == 1)

                let sent = try #require(
                    try await api.call("GET", "/api/mail/messages?recipient=c1@mail.example").array.first)
                let id = try #require(sent["id"] as? String)
                #expect(try await api.call("POST", "/api/mail/messages/\(id)/resend").status == 202)
                #expect(await eventually(timeout: .seconds(30)) { harness.smtp.count() == 2 })
                let ids = try harness.smtp.messages().compactMap { $0["message_id"] as? String }
                #expect(ids.count == 2 && Set(ids).count == 1, "the resend carries the same Message-ID")
                let detail = try await api.call("GET", "/api/mail/messages/\(id)").json
                #expect((detail["delivery_attempts"] as? [[String: Any]])?.count == 2)
                #expect(try await api.call("POST", "/api/mail/messages/\(UUID())/resend").status == 404)
            }
        }
    }
}

extension MailTests {
    @Test("a finished restore mails the account's owner; a backup that failed for good alerts the operator, once each")
    func restoreAndFailedBackupMail() async throws {
        try await TestDatabase.with(services: ["mail"]) { database in
            try await MailHarness.running(database, tag: "mail-backups") { harness in
                let provisioned = try MailHarness.event(7)
                try await harness.publish([(UUID(), 1, provisioned)])
                let made = try #require(ISO8601DateFormatter().date(from: "2026-12-03T01:30:00Z"))
                let restored = AccountRestored(
                    accountID: provisioned.accountID, backupID: UUID(), safetyBackupID: UUID(), backupMadeAt: made,
                    actor: "customer")
                try await harness.publish([(UUID(), 2, restored)])
                let failed = BackupFailed(
                    backupID: UUID(), accountID: provisioned.accountID, kind: .scheduled,
                    reason: "pkgacct failed: not enough space on the backup destination")
                let failedID = UUID()
                try await harness.publish([(failedID, 3, failed), (failedID, 3, failed)])
                #expect(await eventually(timeout: .seconds(30)) { harness.smtp.count() == 3 })
                let messages = try harness.smtp.messages()
                let restoredMail = try #require(
                    messages.first {
                        $0["subject"] as? String == "Your hosting for site7.example was restored from a backup"
                    })
                #expect(restoredMail["to"] as? String == "Customer 7 <c7@mail.example>")
                #expect(
                    (restoredMail["text"] as? String)?.contains(
                        "as you asked from its backup of 2026-12-03 01:30:00 UTC")
                        == true)
                let alert = try #require(messages.first { ($0["to"] as? String)?.contains("ops@sandbox.test") == true })
                #expect((alert["subject"] as? String)?.contains("a scheduled backup of site7.example failed") == true)
                #expect((alert["text"] as? String)?.contains("not enough space on the backup destination") == true)
                try await Task.sleep(for: .seconds(1))
                #expect(try harness.smtp.messages().count == 3, "the repeated failure is one alert")
            }
        }
    }
}
