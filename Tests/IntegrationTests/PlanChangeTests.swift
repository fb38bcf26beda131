import CheckoutService
import Foundation
import HTTPSupport
import HTTPTypes
import HummingbirdTesting
import Payments
import PortalTokens
import PostgresNIO
import TestSupport
import Testing

@testable import BillingService

/// Upgrades and downgrades priced from checkout's real catalog (served on a port): an
/// upgrade invoices the difference for the days left, taxed, and changes the package only
/// once paid; a downgrade credits the same share and changes it at once; the next renewal
/// is at the new price, the credit taken first.
@Suite struct PlanChangeTests {
    static let (starter, pro) = (
        UUID(uuidString: "00000000-0000-4000-8000-000000000001")!,
        UUID(uuidString: "00000000-0000-4000-8000-000000000002")!
    )

    @Test func theTaxIsOnTopOfTheDifferenceOrInItWhenPricesIncludeIt() {
        #expect(PlanChangeQuote.taxed(1000, basisPoints: 1900, inclusive: false) == (1000, 190))
        #expect(PlanChangeQuote.taxed(1190, basisPoints: 1900, inclusive: true) == (1000, 190))
        // 4.99 × 19 ÷ 119 = 0.7967: 0.80 of tax in it, half-up.
        #expect(PlanChangeQuote.taxed(499, basisPoints: 1900, inclusive: true) == (419, 80))
        #expect(PlanChangeQuote.taxed(499, basisPoints: 0, inclusive: true) == (499, 0))
        #expect(PlanChangeQuote.taxed(0, basisPoints: 1900, inclusive: true) == (0, 0))
    }

    @Test func anUpgradeIsInvoicedForTheDaysLeftAndADowngradeCreditsThem() async throws {
        var checkout = CheckoutSettings(
            gateway: StripeGateway(
                baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk_test", timeout: .seconds(2)),
            webhookSignature: WebhookSignature(secret: "whsec_api"),
            apiTokens: APITokens([(.admin, CheckoutAPITests.admin)]))
        checkout.customers = try await CustomerEndpointTests.customers()
        try await TestDatabase.with(services: ["checkout", "billing"]) { database in
            try await withRouter(buildCheckout(checkout), database: database, live: true) { catalog in
                var settings = BillingSettings(
                    gateway: StripeGateway(baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk_test"),
                    webhookSignature: WebhookSignature(secret: "whsec_test"),
                    apiTokens: APITokens([(.admin, CheckoutAPITests.admin)]))
                settings.customers = try await CustomerEndpointTests.customers()
                settings.checkoutURL = "http://127.0.0.1:\(try #require(catalog.port))"
                try await withRouter(buildBilling(settings), database: database) { client in
                    try await Self.check(client, database)
                }
            }
        }
    }

    static func check(_ client: some TestClientProtocol, _ database: TestDatabase) async throws {
        let (customer, subscription, order, account) = (UUID(), UUID(), UUID(), UUID())
        // A German customer (19%) on Starter (4.99 USD a month) since 25 days ago.
        let (daysLeft, days) = try await database.withAdmin { admin in
            try await admin.query(
                """
                INSERT INTO billing.tax_rates (country, name, basis_points) VALUES ('DE', 'USt', 1900);
                """, logger: TestDatabase.logger)
            try await admin.query(
                "INSERT INTO billing.customers (id, email, name, country) VALUES (\(customer), 'ada@example.net', 'Ada', 'DE')",
                logger: TestDatabase.logger)
            try await admin.query(
                """
                INSERT INTO billing.subscriptions (id, order_id, customer_id, product_id, product_name, domain, cycle, cycle_months,
                                                   amount, currency, started_on, next_due)
                VALUES (\(subscription), \(order), \(customer), \(starter), 'Starter Hosting', 'ada.example', 'monthly', 1,
                        499, 'USD', current_date - 25, (current_date - 25 + interval '1 month')::date)
                """, logger: TestDatabase.logger)
            try await admin.query(
                "INSERT INTO billing.accounts (order_id, account_id) VALUES (\(order), \(account))",
                logger: TestDatabase.logger)
            return try await admin.query(
                """
                SELECT ((current_date - 25 + interval '1 month')::date - current_date)::int,
                       ((current_date - 25 + interval '1 month')::date - (current_date - 25))::int
                """, logger: TestDatabase.logger
            ).collect().first!.decode((Int, Int).self)
        }
        func share(_ amount: Int, _ part: Int, _ whole: Int) -> Int { (amount * part * 2 + whole) / (whole * 2) }
        let token = try await PortalTokenSigner(privateKey: CustomerEndpointTests.keys.privateKey).token(
            customer: customer, email: "ada@example.net")
        let path = "/api/customer/subscriptions/\(subscription)/plan-change"

        // The price shown before confirming: (9.99 - 4.99) × days left ÷ days, half-up, and 19% on it.
        let quote = try await client.json(.get, "\(path)?product_id=\(pro)", token: token)
        let upgrade = share(500, daysLeft, days)
        #expect(quote.status == .ok, "\(quote.text)")
        #expect(quote.json["direction"] as? String == "upgrade" && quote.json["prorated"] as? Int == upgrade)
        #expect(quote.json["tax"] as? Int == share(upgrade, 1900, 10_000))
        #expect(quote.json["days_left"] as? Int == daysLeft && quote.json["days_in_period"] as? Int == days)
        // Refused: another customer's subscription, an unknown product, the same plan, no token.
        let stranger = try await PortalTokenSigner(privateKey: CustomerEndpointTests.keys.privateKey).token(
            customer: UUID(), email: "x@example.net")
        #expect(try await client.json(.get, "\(path)?product_id=\(pro)", token: stranger).status == .notFound)
        let unknown = try await client.json(.post, path, ["product_id": UUID().uuidString], token: token)
        #expect(unknown.status == .unprocessableContent && errorCode(unknown.json) == "invalid_product_id")
        let same = try await client.json(.post, path, ["product_id": starter.uuidString], token: token)
        #expect(same.status == .conflict && errorCode(same.json) == "same_plan")
        #expect(try await client.json(.post, path, ["product_id": pro.uuidString], token: nil).status == .unauthorized)

        // The upgrade: an invoice for the days left, nothing changed until it is paid.
        let asked = try await client.json(.post, path, ["product_id": pro.uuidString], token: token)
        #expect(asked.status == .ok && asked.json["status"] as? String == "awaiting-payment", "\(asked.text)")
        let invoice = try #require(asked.json["invoice_id"] as? String)
        let again = try await client.json(.post, path, ["product_id": pro.uuidString], token: token)
        #expect(again.status == .conflict && errorCode(again.json) == "plan_change_pending")
        let issued = try await client.json(.get, "/api/customer/invoices/\(invoice)", token: token)
        #expect(issued.json["subtotal"] as? Int == upgrade)
        #expect(
            (issued.json["lines"] as? [[String: Any]])?.last?["description"] as? String == "USt 19.00%",
            "the tax line reads as the period invoices' do")
        #expect(issued.json["total"] as? Int == upgrade + share(upgrade, 1900, 10_000))
        #expect(try await Self.amount(of: subscription, database) == 499)
        #expect(try await Self.packageChanges(database) == [])
        let paid = try await client.json(
            .post, "/api/billing/invoices/\(invoice)/payments",
            ["amount": issued.json["total"] as? Int ?? 0, "reference": "bank-1"], token: CheckoutAPITests.admin)
        #expect(paid.status == .ok || paid.status == .created, "\(paid.text)")
        #expect(try await Self.amount(of: subscription, database) == 999)
        #expect(try await Self.packageChanges(database) == ["pro"])
        #expect(try await Self.packageDisks(database) == ["51200"], "pro's limits travel with its package")

        // The downgrade: the same share back as credit, with its tax, and the package at once.
        let down = try await client.json(.post, path, ["product_id": starter.uuidString], token: token)
        #expect(down.status == .ok && down.json["status"] as? String == "applied", "\(down.text)")
        let credit = upgrade + share(upgrade, 1900, 10_000)
        #expect((down.json["quote"] as? [String: Any])?["total"] as? Int == credit)
        #expect(try await Self.amount(of: subscription, database) == 499)
        #expect(try await Self.packageChanges(database) == ["pro", "starter"])
        #expect(try await Self.packageDisks(database) == ["51200", "10240"])

        // The renewal: at the new price, the credit taken first.
        let day = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        #expect(
            try await client.json(.post, "/api/billing/runs", ["date": day], token: CheckoutAPITests.admin).status
                == .ok)
        let renewal = try await database.withAdmin { admin in
            try await admin.query(
                """
                SELECT subtotal, amount_paid FROM billing.invoices WHERE subscription_id = \(subscription) AND kind = 'period'
                """, logger: TestDatabase.logger
            ).collect().first?.decode((Int, Int).self)
        }
        #expect(renewal?.0 == 499)
        #expect(renewal?.1 == min(credit, 499 + share(499, 1900, 10_000)))
    }

    static func amount(of subscription: UUID, _ database: TestDatabase) async throws -> Int {
        try await database.count("SELECT amount FROM billing.subscriptions WHERE id = \(subscription)")
    }

    static func packageDisks(_ database: TestDatabase) async throws -> [String?] {
        try await database.withAdmin { admin in
            try await admin.query(
                """
                SELECT payload::jsonb -> 'limits' ->> 'disk_mb' FROM billing.outbox WHERE type = 'change-package'
                ORDER BY position
                """, logger: TestDatabase.logger
            ).collect().map { try $0.decode(String?.self) }
        }
    }

    static func packageChanges(_ database: TestDatabase) async throws -> [String] {
        try await database.withAdmin { admin in
            try await admin.query(
                "SELECT payload::jsonb ->> 'plan' FROM billing.outbox WHERE type = 'change-package' ORDER BY position",
                logger: TestDatabase.logger
            ).collect().map { try $0.decode(String.self) }
        }
    }
}
