import BillingService
import CheckoutService
import Foundation
import HTTPSupport
import HTTPTypes
import Payments
import PortalTokens
import PostgresNIO
import TestSupport
import Testing

/// Who the customer is, as they change it: a new email address reaches checkout (who owns
/// customers and tells the others), and the profile billing makes invoices out to is copied
/// onto each invoice when it is issued and never changes there afterwards.
@Suite struct CustomerProfileTests {
    static func token(_ customer: UUID?, email: String, scope: CustomerScope = .customer) async throws -> String {
        try await PortalTokenSigner(privateKey: CustomerEndpointTests.keys.privateKey).token(
            customer: customer, email: email, scope: scope)
    }

    @Test func checkoutMovesACustomerToAProvenAddressOnceAndTellsTheOthers() async throws {
        var settings = CheckoutSettings(
            gateway: StripeGateway(
                baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk_test", timeout: .seconds(2)),
            webhookSignature: WebhookSignature(secret: "whsec_api"),
            apiTokens: APITokens([(.admin, CheckoutAPITests.admin)]))
        settings.customers = try await CustomerEndpointTests.customers()
        try await TestDatabase.with(services: ["checkout"]) { database in
            try await withRouter(buildCheckout(settings), database: database) { client in
                func link(_ email: String) async throws -> UUID {
                    let linked = try await client.json(
                        .post, "/api/customer/link", ["name": "Ada"],
                        token: try await Self.token(nil, email: email, scope: .link))
                    return try #require((linked.json["customer_id"] as? String).flatMap(UUID.init(uuidString:)))
                }
                let ada = try await link("ada@example.net")
                _ = try await link("taken@example.net")
                // The provider knows Ada: her receipts must follow the address too.
                try await database.withAdmin { admin in
                    try await admin.query(
                        "UPDATE checkout.customers SET payment_customer = 'cus_ada' WHERE id = \(ada)",
                        logger: TestDatabase.logger)
                }
                let token = try await Self.token(ada, email: "ada@example.net")
                let changed = try await client.json(
                    .put, "/api/customer/email", ["email": "Ada@New.Example"], token: token)
                #expect(
                    changed.status == .ok && changed.json["email"] as? String == "ada@new.example", "\(changed.text)")
                // Again with the same address: nothing more to tell anyone.
                let again = try await client.json(
                    .put, "/api/customer/email", ["email": "ada@new.example"], token: token)
                #expect(again.status == .ok)
                let taken = try await client.json(
                    .put, "/api/customer/email", ["email": "taken@example.net"], token: token)
                #expect(taken.status == .conflict && errorCode(taken.json) == "email_taken")
                let invalid = try await client.json(
                    .put, "/api/customer/email", ["email": "not an address"], token: token)
                #expect(invalid.status == .unprocessableContent && errorCode(invalid.json) != nil)
                let anonymous = try await client.json(
                    .put, "/api/customer/email", ["email": "x@example.net"], token: nil)
                #expect(anonymous.status == .unauthorized)
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM checkout.customers WHERE email = 'ada@new.example' AND id = \(ada)")
                        == 1)
                let events = try await database.withAdmin { admin in
                    try await admin.query(
                        "SELECT payload::text FROM checkout.outbox WHERE type = 'customer.email-changed'",
                        logger: TestDatabase.logger
                    ).collect().map { try $0.decode(String.self) }
                }
                #expect(events.count == 1)
                #expect(events.first?.contains(#""previous_email":"ada@example.net""#) == true, "\(events)")
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM checkout.tasks WHERE type = 'update-payment-customer' AND payload::text LIKE '%cus_ada%'"
                    ) == 1)
            }
        }
    }

    @Test func anInvoiceKeepsTheBillToItWasIssuedTo() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(try await CustomerEndpointTests.billing(), database: database) { client in
                let (customer, subscription) = (UUID(), UUID())
                try await database.withAdmin { admin in
                    try await admin.query(
                        "INSERT INTO billing.customers (id, email, name) VALUES (\(customer), 'grace@example.net', 'Grace')",
                        logger: TestDatabase.logger)
                    try await admin.query(
                        """
                        INSERT INTO billing.subscriptions (id, order_id, customer_id, product_id, product_name, domain, cycle, cycle_months,
                                                           amount, currency, started_on, next_due, periods)
                        VALUES (\(subscription), \(UUID()), \(customer), \(UUID()), 'Starter', 'grace.example', 'monthly', 1,
                                499, 'USD', current_date - 30, current_date, 1)
                        """, logger: TestDatabase.logger)
                }
                let token = try await Self.token(customer, email: "grace@example.net")
                let invalid = try await client.json(
                    .put, "/api/customer/profile", ["name": "Grace Hopper", "country": "Germany"], token: token)
                #expect(invalid.status == .unprocessableContent && errorCode(invalid.json) == "invalid_country")
                let noName = try await client.json(.put, "/api/customer/profile", ["name": " "], token: token)
                #expect(noName.status == .unprocessableContent)
                let profile: [String: Any] = [
                    "name": "Grace Hopper", "company": "Cobol GmbH", "address": "Hauptstraße 1", "city": "Berlin",
                    "postal_code": "10115", "country": "de", "vat_id": "de 123456789",
                ]
                let saved = try await client.json(.put, "/api/customer/profile", profile, token: token)
                #expect(saved.status == .ok && saved.json["country"] as? String == "DE", "\(saved.text)")
                #expect(saved.json["vat_id"] as? String == "DE123456789")
                let read = try await client.json(.get, "/api/customer/profile", token: token)
                #expect(
                    read.json["company"] as? String == "Cobol GmbH"
                        && read.json["email"] as? String == "grace@example.net")
                // Another customer's profile cannot be read: the token names whose.
                let stranger = try await client.json(
                    .get, "/api/customer/profile", token: try await Self.token(UUID(), email: "x@example.net"))
                #expect(stranger.status == .notFound)
                let day = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
                let run = try await client.json(
                    .post, "/api/billing/runs", ["date": day], token: CheckoutAPITests.admin)
                #expect(run.status == .ok, "\(run.text)")
                func invoice() async throws -> [String: Any] {
                    let list = try await client.json(.get, "/api/customer/invoices", token: token)
                    let items = try JSONSerialization.jsonObject(with: Data(list.text.utf8)) as? [[String: Any]]
                    let id = try #require(items?.first?["id"] as? String)
                    return try await client.json(.get, "/api/customer/invoices/\(id)", token: token).json
                }
                let issued = try await invoice()
                let billTo = try #require(issued["bill_to"] as? [String: Any])
                #expect(billTo["company"] as? String == "Cobol GmbH" && billTo["vat_id"] as? String == "DE123456789")
                #expect(
                    billTo["name"] as? String == "Grace Hopper" && billTo["email"] as? String == "grace@example.net")
                // A later profile is the next invoice's; this one keeps what it was issued to.
                var moved = profile
                moved["company"] = "Flow-Matic AG"
                #expect(try await client.json(.put, "/api/customer/profile", moved, token: token).status == .ok)
                let after = try #require(try await invoice()["bill_to"] as? [String: Any])
                #expect(after["company"] as? String == "Cobol GmbH")
            }
        }
    }
}
