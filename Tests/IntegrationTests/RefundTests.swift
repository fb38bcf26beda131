import Foundation
import PostgresNIO
import TestSupport
import Testing

/// Money that should not be kept goes back once, and the operator hears of it: the first
/// payment of an order no panel could deliver, and a second payment for a paid order.
@Suite struct RefundTests {
    func stripeRefunds(_ sandbox: Sandbox) async throws -> Int {
        try await sandbox.stripeAPI.call("GET", "/__sim/stats").json["POST /v1/refunds"] as? Int ?? 0
    }

    func templates(_ database: TestDatabase) async throws -> [String] {
        try await database.withAdmin { client in
            try await client.query(
                "SELECT template FROM mail.messages ORDER BY created_at", logger: TestDatabase.logger
            )
            .collect().map { try $0.decode(String.self) }
        }
    }

    @Test(
        "a panel that always fails: the subscription ends undelivered, the first payment is refunded once, nothing is invoiced again, the operator and the customer are told"
    )
    func undeliveredOrderIsRefunded() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "mail", "billing", "timer"]) { database in
            let sandbox = Sandbox(database: database, tag: "undelivered", panelEnvironment: ["SIM_FAILURE_RATE": "1"])
            defer { sandbox.stop() }
            try await sandbox.start(mail: true, billing: true)
            try await sandbox.addServer()
            try await sandbox.placePaidOrder("never-delivered.example")
            #expect(
                await eventually(timeout: .seconds(120)) {
                    try await database.count(
                        """
                        SELECT count(*)::int FROM billing.subscriptions WHERE status = 'cancelled' AND end_reason = 'undelivered'
                        """) == 1
                })
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await database.count(
                        "SELECT count(*)::int FROM billing.refunds WHERE cause = 'undelivered' AND actor = 'billing'")
                        == 1
                })
            #expect(
                try await database.count("SELECT count(*)::int FROM billing.invoices WHERE status = 'refunded'") == 1)
            #expect(try await stripeRefunds(sandbox) == 1)
            // Even with its next period due, a billing run invoices nothing for it.
            try await database.withAdmin { admin in
                try await admin.query(
                    "UPDATE billing.subscriptions SET next_due = current_date", logger: TestDatabase.logger)
            }
            let today = ISO8601DateFormatter.string(
                from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
            let run = try await sandbox.billingAPI.call(
                "POST", "/api/billing/runs", json: ["date": today, "kind": "invoicing"])
            #expect(run.status < 300, "\(run.text)")
            #expect(try await database.count("SELECT count(*)::int FROM billing.invoices") == 1)
            #expect(
                await eventually(timeout: .seconds(30)) {
                    let sent = try await templates(database)
                    return sent.filter { $0 == "operator-alert" }.count == 2 && sent.contains("payment-refunded")
                })
            #expect(try await stripeRefunds(sandbox) == 1, "refunded once")
        }
    }

    @Test("a second payment for a paid order is refunded once and reported; the order stays paid by the first")
    func secondPaymentIsRefunded() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "mail"]) { database in
            let sandbox = Sandbox(database: database, tag: "twice")
            defer { sandbox.stop() }
            try await sandbox.start(mail: true)
            try await sandbox.addServer()
            let order = try await sandbox.placePaidOrder("paid-twice.example")
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await database.count("SELECT count(*)::int FROM checkout.orders WHERE status = 'paid'") == 1
                })
            // The customer pays again (a second tab, a second session): a new PaymentIntent for the same order.
            let stripe = JSONClient(
                port: sandbox.stripe.httpPort, headers: ["Authorization": "Bearer \(Sandbox.stripeKey)"])
            let amount = try await database.count("SELECT amount::int FROM checkout.orders")
            let second = try await stripe.call(
                "POST", "/v1/payment_intents",
                json: Data("amount=\(amount)&currency=usd&metadata%5Border_id%5D=\(order)".utf8),
                headers: ["Content-Type": "application/x-www-form-urlencoded"])
            let intent = try #require(second.json["id"] as? String, "\(second.text)")
            #expect(try await sandbox.stripeAPI.call("POST", "/__sim/payment_intents/\(intent)/pay").status == 200)
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await database.count(
                        """
                        SELECT count(*)::int FROM checkout.stray_payments WHERE payment_intent = \(intent) AND reason = 'duplicate'
                          AND refunded_at IS NOT NULL
                        """) == 1
                })
            #expect(try await stripeRefunds(sandbox) == 1)
            #expect(
                try await database.count(
                    "SELECT count(*)::int FROM checkout.orders WHERE status = 'paid' AND payment_intent <> \(intent)")
                    == 1)
            #expect(
                await eventually(timeout: .seconds(30)) {
                    let sent = try await templates(database)
                    return sent.contains("operator-alert") && sent.contains("payment-refunded")
                })
            #expect(try await stripeRefunds(sandbox) == 1, "refunded once")
        }
    }
}
