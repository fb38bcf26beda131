import BillingService
import Foundation
import Hummingbird
import HummingbirdTesting
import PortalTokens
import PostgresNIO
import TestSupport
import Testing

/// Goodwill credit granted by staff is taken first by the customer's next invoices: one
/// covered in full is paid without a charge, one covered in part keeps the rest to pay.
@Suite struct CustomerCreditTests {
    static let (alice, bob) = (UUID(), UUID())

    /// A customer with a monthly subscription of 4.99 USD due `inDays` from today; answers its id.
    static func seedSubscription(_ database: TestDatabase, customer: UUID, inDays days: Int, newCustomer: Bool)
        async throws -> UUID
    {
        let subscription = UUID()
        try await database.withAdmin { client in
            if newCustomer {
                try await client.query(
                    "INSERT INTO billing.customers (id, email, name) VALUES (\(customer), \("\(customer)@example.net"), 'C')",
                    logger: TestDatabase.logger)
            }
            try await client.query(
                """
                INSERT INTO billing.subscriptions (id, order_id, customer_id, product_id, product_name, domain, cycle, cycle_months,
                                                   amount, currency, started_on, next_due)
                VALUES (\(subscription), \(UUID()), \(customer), \(UUID()), 'Starter', \("s\(subscription.uuidString.prefix(6)).example"),
                        'monthly', 1, 499, 'USD', current_date + \(days)::int, current_date + \(days)::int)
                """, logger: TestDatabase.logger)
        }
        return subscription
    }

    @Test func creditPaysTheNextInvoicesFirst() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(try await StaffTokenTests.billing(), database: database) { client in
                let first = try await Self.seedSubscription(
                    database, customer: Self.alice, inDays: 0, newCustomer: true)
                let second = try await Self.seedSubscription(
                    database, customer: Self.alice, inDays: 8, newCustomer: false)
                _ = try await Self.seedSubscription(database, customer: Self.bob, inDays: 0, newCustomer: true)
                let billing = try await StaffTokenTests.token(.billing)
                let grant = { (customer: UUID, amount: Int, token: String) in
                    try await client.json(
                        .post, "/api/billing/customers/\(customer)/credits",
                        ["amount": amount, "currency": "USD", "reason": "sorry for the outage"], token: token)
                }
                #expect(
                    try await grant(Self.alice, 600, try await StaffTokenTests.token(.support)).status == .forbidden)
                #expect(try await grant(UUID(), 600, billing).status == .notFound)
                #expect(try await grant(Self.alice, 0, billing).status == .unprocessableContent)
                let granted = try await grant(Self.alice, 600, billing)
                #expect(granted.status == .created && granted.json["balance"] as? Int == 600, "\(granted.text)")

                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withFullDate]
                let today = formatter.string(from: Date())
                let tomorrow = formatter.string(from: Date().addingTimeInterval(86_400))
                let run = { (day: String) in
                    try await client.json(
                        .post, "/api/billing/runs", ["date": day, "kind": "invoicing"], token: billing)
                }
                #expect(try await run(today).status == .ok)
                let invoice = { (subscription: UUID) in
                    try await database.withAdmin { client in
                        try await client.query(
                            """
                            SELECT status, amount_paid, total, (SELECT string_agg(method, ',') FROM billing.payments p WHERE p.invoice_id = i.id)
                            FROM billing.invoices i WHERE subscription_id = \(subscription)
                            """, logger: TestDatabase.logger
                        ).collect().first!.decode((String, Int, Int, String?).self)
                    }
                }
                let paid = try await invoice(first)
                #expect(paid.0 == "paid" && paid.1 == 499 && paid.3 == "credit", "covered in full: \(paid)")
                #expect(
                    try await database.count("SELECT count(*)::int FROM billing.tasks WHERE type = 'charge-invoice'")
                        == 0)
                #expect(
                    try await database.count(
                        """
                        SELECT count(*)::int FROM billing.invoices i JOIN billing.customers c ON c.id = i.customer_id
                        WHERE c.id = \(Self.bob) AND i.status = 'open' AND i.amount_paid = 0
                        """) == 1, "another customer's invoice takes nothing")

                #expect(try await run(tomorrow).status == .ok)
                let part = try await invoice(second)
                #expect(part.0 == "open" && part.1 == 101, "covered in part: \(part)")
                let balance = try await client.json(
                    .get, "/api/billing/customers/\(Self.alice)/balance", token: billing)
                let usd = (balance.json["balances"] as? [[String: Any]])?.first { $0["currency"] as? String == "USD" }
                #expect(usd?["credit"] as? Int == 0 && usd?["outstanding"] as? Int == 398, "\(balance.text)")

                // Money from credit does not go back to a card.
                let payment = try await database.withAdmin { client in
                    try await client.query(
                        "SELECT id FROM billing.payments WHERE method = 'credit' LIMIT 1",
                        logger: TestDatabase.logger
                    ).collect().first!.decode(UUID.self)
                }
                let refund = try await client.json(
                    .post, "/api/billing/payments/\(payment)/refund", ["reason": "x"], token: billing)
                #expect(refund.status == .conflict && errorCode(refund.json) == "credit_payment")
            }
        }
    }
}
