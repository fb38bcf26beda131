import Foundation
import PostgresNIO
import TestSupport
import Testing

/// The order → account → email chain under the faults every service must survive.
@Suite struct ChainFaultTests {
    func orderID(_ domain: String, _ database: TestDatabase) async throws -> String {
        try await database.withAdmin { client in
            try await client.query(
                "SELECT id FROM checkout.orders WHERE domain = \(domain)", logger: TestDatabase.logger
            )
            .collect().first!.decode(UUID.self).uuidString
        }
    }

    /// Orders in the chaos run: 50 in `make test`, 500 with `make chaos`.
    static let chaosOrders = Int(ProcessInfo.processInfo.environment["HOSTWIRE_CHAOS_ORDERS"] ?? "") ?? 50

    @Test(
        "chaos: orders flow through checkout → provisioning → DNS → certificate → welcome email → first invoice while a random service or the broker is killed -9 every 3 s and Postgres restarts once; then every order exactly once everywhere, no dead letters"
    )
    func chaos() async throws {
        try await withLoadSlot {
            let total = Self.chaosOrders
            try await PrivateCluster.with { cluster in
                try await TestDatabase.with(
                    services: ["checkout", "provisioning", "dnsssl", "mail", "billing", "timer"],
                    adminURL: cluster.adminURL
                ) { database in
                    let sandbox = Sandbox(database: database, tag: "chaos")
                    defer { sandbox.stop() }
                    try await sandbox.start(mail: true, billing: true, dnsssl: true)
                    try await sandbox.addServer()
                    let victims = [
                        "broker": sandbox.bus.process, "checkout": sandbox.checkout,
                        "provisioning": sandbox.provisioning,
                        "dnsssl": sandbox.dnsssl, "mail": sandbox.mail, "billing": sandbox.billing,
                    ]
                    let faults = Task {
                        var kills = 0
                        var restartedPostgres = false
                        while !Task.isCancelled {
                            try await Task.sleep(for: .seconds(3))
                            if !restartedPostgres && kills == 4 {
                                try cluster.restart()
                                restartedPostgres = true
                                continue
                            }
                            let (name, process) = victims.randomElement()!
                            process.kill()
                            if name == "broker" { try await Task.sleep(for: .milliseconds(300)) }
                            try await process.start()
                            kills += 1
                        }
                    }
                    for number in 0..<total {
                        // An order cut off by a fault is finished as a customer would: paid if it was placed, placed otherwise.
                        let domain = "chaos\(number).example"
                        let placed = await eventually(timeout: .seconds(90), every: .milliseconds(500)) {
                            let rows = try await database.withAdmin { client in
                                try await client.query(
                                    "SELECT status, payment_intent FROM checkout.orders WHERE domain = \(domain)",
                                    logger: TestDatabase.logger
                                ).collect().map { try $0.decode((String, String?).self) }
                            }
                            switch rows.first {
                            case ("paid", _)?: return true
                            case (_, let intent?)?:
                                _ = try await sandbox.stripeAPI.call("POST", "/__sim/payment_intents/\(intent)/pay")
                            case (_, nil)?:
                                _ = try await sandbox.checkoutAPI.call(
                                    "POST", "/api/orders/\(try await orderID(domain, database))/payment")
                            case nil: try await sandbox.placePaidOrder(domain)
                            }
                            return false
                        }
                        #expect(placed, "order \(number)")
                    }
                    faults.cancel()
                    _ = await faults.result
                    // Every process runs again (a kill may have been the fault loop's last act).
                    for process in victims.values where !process.isRunning { try await process.start() }
                    let quiet = ContinuousClock.now
                    let count = { (query: PostgresQuery) in try await database.count(query) }
                    let settled = await eventually(timeout: .seconds(240)) {
                        let counts = [
                            try await count("SELECT count(*)::int FROM provisioning.accounts WHERE status = 'active'"),
                            try await count("SELECT count(*)::int FROM dnsssl.zones WHERE status = 'active'"),
                            try await count("SELECT count(*)::int FROM dnsssl.certificates WHERE status = 'issued'"),
                            try await count(
                                "SELECT count(*)::int FROM mail.messages WHERE template = 'welcome' AND status = 'sent'"
                            ),
                            try await count("SELECT count(*)::int FROM billing.subscriptions"),
                            try await count("SELECT count(*)::int FROM billing.invoices WHERE status = 'paid'"),
                        ]
                        return counts.allSatisfy { $0 == total }
                    }
                    #expect(settled)
                    print("chaos: \(total) orders settled \(ContinuousClock.now - quiet) after the faults stopped")
                    #expect(try await sandbox.panelAccounts().count == total, "one panel account per order")
                    #expect(try await count("SELECT count(*)::int FROM checkout.orders WHERE status = 'paid'") == total)
                    #expect(
                        try await count(
                            "SELECT count(*)::int FROM provisioning.outbox WHERE type = 'account.provisioned'") == total
                    )
                    #expect(
                        try await count("SELECT count(*)::int FROM dnsssl.outbox WHERE type = 'certificate.issued'")
                            == total)
                    #expect(
                        try await count("SELECT count(*)::int FROM billing.payments") == total,
                        "each first invoice paid once")
                    #expect(
                        try await count(
                            "SELECT count(DISTINCT recipient)::int FROM mail.messages WHERE template = 'welcome'")
                            == total)
                    for schema in ["checkout", "provisioning", "dnsssl", "mail", "billing", "timer"] {
                        #expect(
                            try await count(.init(unsafeSQL: "SELECT count(*)::int FROM \(schema).dead_letters")) == 0,
                            "\(schema)")
                    }
                    // Every email reached the SMTP server once; a repeat is allowed only with the same Message-ID.
                    // The settle above waits for the welcomes only: receipts may still be on their way, so wait
                    // for every message to be sent before comparing.
                    var figures = (sent: 0, unsent: 0, delivered: 0)
                    let mailed = await eventually(timeout: .seconds(60)) {
                        figures.sent = try await count("SELECT count(*)::int FROM mail.messages WHERE status = 'sent'")
                        figures.unsent = try await count(
                            "SELECT count(*)::int FROM mail.messages WHERE status <> 'sent'")
                        figures.delivered =
                            Set(
                                try sandbox.smtp.messages().compactMap { $0["message_id"] as? String }
                            ).count
                        return figures.unsent == 0 && figures.delivered == figures.sent
                    }
                    #expect(mailed, "\(figures)")
                }
            }
        }
    }
}

extension ChainFaultTests {
    @Test(
        "replacing each service in turn (SIGTERM, then a new instance with another configuration) while orders flow: every order once everywhere, nothing else restarted"
    )
    func replaceOneServiceAtATime() async throws {
        try await withLoadSlot {
            try await TestDatabase.with(services: ["checkout", "provisioning", "mail", "billing", "timer", "dnsssl"]) {
                database in
                let sandbox = Sandbox(database: database, tag: "replace")
                defer { sandbox.stop() }
                try await sandbox.start(mail: true, billing: true, dnsssl: true)
                try await sandbox.addServer()
                let everyone = [
                    "broker": sandbox.bus.process, "checkout": sandbox.checkout, "provisioning": sandbox.provisioning,
                    "dnsssl": sandbox.dnsssl, "mail": sandbox.mail, "billing": sandbox.billing, "timer": sandbox.timer,
                    "whm": sandbox.whm, "stripe": sandbox.stripe,
                ]
                var order = 0
                for name in ["broker", "checkout", "provisioning", "dnsssl", "mail", "billing", "timer"] {
                    let replaced = everyone[name]!
                    let others = everyone.filter { $0.key != name }.mapValues { $0.processIdentifier }
                    for _ in 0..<3 {
                        try await sandbox.placePaidOrder("replace\(order).example")
                        order += 1
                    }
                    replaced.stop()
                    try await replaced.start(changing: ["HOSTWIRE_WORKERS": "3", "HOSTWIRE_LOG_LEVEL": "warning"])
                    for _ in 0..<3 {
                        try await sandbox.placePaidOrder("replace\(order).example")
                        order += 1
                    }
                    for (other, pid) in others {
                        #expect(
                            everyone[other]!.processIdentifier == pid && everyone[other]!.isRunning,
                            "\(other) kept running while \(name) was replaced")
                    }
                }
                let settled = await eventually(timeout: .seconds(120)) {
                    let accounts = try await database.count(
                        "SELECT count(*)::int FROM provisioning.accounts WHERE status = 'active'")
                    let certificates = try await database.count(
                        "SELECT count(*)::int FROM dnsssl.certificates WHERE status = 'issued'")
                    let subscriptions = try await database.count("SELECT count(*)::int FROM billing.subscriptions")
                    let welcomed = try await database.count(
                        "SELECT count(*)::int FROM mail.messages WHERE template = 'welcome' AND status = 'sent'")
                    return accounts == order && certificates == order && subscriptions == order && welcomed == order
                }
                #expect(settled)
                #expect(try await sandbox.panelAccounts().count == order)
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM provisioning.outbox WHERE type = 'account.provisioned'") == order)
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM dnsssl.outbox WHERE type = 'certificate.issued'") == order)
                #expect(
                    try await database.count("SELECT count(*)::int FROM billing.payments") == order,
                    "each first invoice paid once")
                #expect(
                    try await database.count("SELECT count(*)::int FROM mail.messages WHERE template = 'welcome'")
                        == order)
                for schema in ["checkout", "provisioning", "dnsssl", "mail", "billing", "timer"] {
                    #expect(
                        try await database.count(.init(unsafeSQL: "SELECT count(*)::int FROM \(schema).dead_letters"))
                            == 0, "\(schema)")
                }
            }
        }
    }
}
