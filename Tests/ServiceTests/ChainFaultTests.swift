import Foundation
import Testing
import TestSupport

/// The order → account → email chain under the faults every service must survive.
@Suite struct ChainFaultTests {
    func orderID(_ domain: String, _ database: TestDatabase) async throws -> String {
        try await database.withAdmin { client in
            try await client.query("SELECT id FROM checkout.orders WHERE domain = \(domain)", logger: TestDatabase.logger)
                .collect().first!.decode(UUID.self).uuidString
        }
    }

    @Test("kill -9 of the broker, of checkout and of mail, and a Postgres restart, while 40 orders flow: 40 accounts, 80 emails, none twice")
    func chainSurvivesFaults() async throws {
        try await PrivateCluster.with { cluster in
            try await TestDatabase.with(services: ["checkout", "provisioning", "mail"], adminURL: cluster.adminURL) { database in
                let sandbox = Sandbox(database: database, tag: "chain-faults")
                defer { sandbox.stop() }
                try await sandbox.start(mail: true)
                try await sandbox.addServer()
                for number in 0..<40 {
                    // An order cut off by a fault is finished as a customer would: paid if it was placed, placed otherwise.
                    let domain = "chain\(number).example"
                    let placed = await eventually(timeout: .seconds(60), every: .milliseconds(500)) {
                        let rows = try await database.withAdmin { client in
                            try await client.query("SELECT status, payment_intent FROM checkout.orders WHERE domain = \(domain)",
                                                   logger: TestDatabase.logger).collect().map { try $0.decode((String, String?).self) }
                        }
                        switch rows.first {
                        case ("paid", _)?: return true
                        case (_, let intent?)?: _ = try await sandbox.stripeAPI.call("POST", "/__sim/payment_intents/\(intent)/pay")
                        case (_, nil)?: _ = try await sandbox.checkoutAPI.call("POST", "/api/orders/\(try await orderID(domain, database))/payment")
                        case nil: try await sandbox.placePaidOrder(domain)
                        }
                        return false
                    }
                    #expect(placed, "order \(number)")
                    switch number {
                    case 8:
                        sandbox.bus.process.kill()
                        try await Task.sleep(for: .milliseconds(300))
                        try await sandbox.bus.process.start()
                    case 16:
                        sandbox.checkout.kill()
                        try await sandbox.checkout.start()
                    case 24:
                        try cluster.restart()
                    case 32:
                        sandbox.mail.kill()
                        try await sandbox.mail.start()
                    default: break
                    }
                }
                let settled = await eventually(timeout: .seconds(180)) {
                    let accounts = try await database.count("SELECT count(*)::int FROM provisioning.accounts WHERE status = 'active'")
                    let sent = try await database.count("SELECT count(*)::int FROM mail.messages WHERE status = 'sent'")
                    return accounts == 40 && sent == 80
                }
                #expect(settled)
                #expect(try await sandbox.panelAccounts().count == 40)
                #expect(try await database.count("SELECT count(*)::int FROM checkout.orders WHERE status = 'paid'") == 40)
                #expect(try await database.count("SELECT count(*)::int FROM provisioning.outbox WHERE type = 'account.provisioned'") == 40)
                let welcome = try await database.count("SELECT count(DISTINCT recipient)::int FROM mail.messages WHERE template = 'welcome'")
                #expect(welcome == 40)
                for schema in ["checkout", "provisioning", "mail"] {
                    #expect(try await database.count(.init(unsafeSQL: "SELECT count(*)::int FROM \(schema).dead_letters")) == 0, "\(schema)")
                }
                // Each address got its emails once; a duplicate is allowed only with the same Message-ID.
                let delivered = try sandbox.smtp.messages()
                let distinct = Set(delivered.compactMap { $0["message_id"] as? String })
                #expect(distinct.count == 80)
            }
        }
    }
}

extension ChainFaultTests {
    @Test("replacing each service in turn (SIGTERM, then a new instance) while orders flow: every order once, nothing else restarted")
    func replaceOneServiceAtATime() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "mail"]) { database in
            let sandbox = Sandbox(database: database, tag: "replace")
            defer { sandbox.stop() }
            try await sandbox.start(mail: true)
            try await sandbox.addServer()
            let everyone = ["broker": sandbox.bus.process, "checkout": sandbox.checkout, "provisioning": sandbox.provisioning,
                            "mail": sandbox.mail, "whm": sandbox.whm, "stripe": sandbox.stripe]
            var order = 0
            for name in ["broker", "checkout", "provisioning", "mail"] {
                let replaced = everyone[name]!
                let others = everyone.filter { $0.key != name }.mapValues { $0.processIdentifier }
                for _ in 0..<4 {
                    try await sandbox.placePaidOrder("replace\(order).example")
                    order += 1
                }
                replaced.stop()
                try await replaced.start()
                for _ in 0..<4 {
                    try await sandbox.placePaidOrder("replace\(order).example")
                    order += 1
                }
                for (other, pid) in others {
                    #expect(everyone[other]!.processIdentifier == pid && everyone[other]!.isRunning, "\(other) kept running while \(name) was replaced")
                }
            }
            let settled = await eventually(timeout: .seconds(120)) {
                let accounts = try await database.count("SELECT count(*)::int FROM provisioning.accounts WHERE status = 'active'")
                let sent = try await database.count("SELECT count(*)::int FROM mail.messages WHERE status = 'sent'")
                return accounts == order && sent == 2 * order
            }
            #expect(settled)
            #expect(try await sandbox.panelAccounts().count == order)
            #expect(try await database.count("SELECT count(*)::int FROM provisioning.outbox WHERE type = 'account.provisioned'") == order)
            #expect(Set(try sandbox.smtp.messages().compactMap { $0["message_id"] as? String }).count == 2 * order)
        }
    }
}
