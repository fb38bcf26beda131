import CheckoutService
import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Payments
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Checkout's HTTP API: every bad input is a 4xx with a JSON error and changes nothing.
@Suite struct CheckoutAPITests {
    static let admin = "admin-token-0123456789abcdef", viewer = "viewer-token-0123456789abcdef"

    /// Checkout with a payment provider that cannot be reached.
    static func definition() -> ServiceDefinition {
        buildCheckout(
            CheckoutSettings(
                gateway: StripeGateway(
                    baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk_test", timeout: .seconds(2)),
                webhookSignature: WebhookSignature(secret: "whsec_api"),
                apiTokens: APITokens([(.admin, admin), (.viewer, viewer)])))
    }

    static let starter = "00000000-0000-4000-8000-000000000001"

    func order(
        domain: String? = "shop.example", email: String = "ada@shop.example", product: String = starter,
        cycle: String = "monthly", currency: String = "USD"
    ) -> [String: Any] {
        var order: [String: Any] = [
            "customer": ["email": email, "name": "Ada"], "product_id": product,
            "billing_cycle": cycle, "currency": currency,
        ]
        if let domain { order["domain"] = domain }
        return order
    }

    @Test func badOrdersAreRefusedWithJSONErrorsAndChangeNothing() async throws {
        try await TestDatabase.with(services: ["checkout"]) { database in
            try await withRouter(Self.definition(), database: database) { client in
                let cases: [(Any, HTTPResponse.Status, String)] = [
                    ("{not json", .badRequest, "malformed_body"),
                    (["customer": ["email": "a@b.example", "name": "A"]], .badRequest, "missing_field"),
                    (order(email: "not-an-email"), .unprocessableContent, "invalid_email"),
                    (order(domain: "-bad-.example"), .unprocessableContent, "invalid_domain"),
                    (order(domain: nil), .unprocessableContent, "invalid_domain"),
                    (order(product: UUID().uuidString), .unprocessableContent, "invalid_product_id"),
                    (order(currency: "GBP"), .unprocessableContent, "invalid_currency"),
                    (order(currency: "usd"), .unprocessableContent, "invalid_currency"),
                    (order(cycle: "weekly"), .unprocessableContent, "invalid_billing_cycle"),
                ]
                for (body, status, code) in cases {
                    let reply = try await client.json(.post, "/api/orders", body)
                    #expect(reply.status == status, "\(code): \(reply.text)")
                    #expect(errorCode(reply.json) == code, "\(reply.text)")
                }
                #expect(try await database.count("SELECT count(*)::int FROM checkout.orders") == 0)
                #expect(try await database.count("SELECT count(*)::int FROM checkout.customers") == 0)
                #expect(try await database.count("SELECT count(*)::int FROM checkout.outbox") == 0)
            }
        }
    }

    @Test func anOrderIsKeptWhenTheProviderIsDownAndADomainIsOrderedOnce() async throws {
        try await TestDatabase.with(services: ["checkout"]) { database in
            try await withRouter(Self.definition(), database: database) { client in
                let placed = try await client.json(.post, "/api/orders", order(domain: "Bücher.example"))
                #expect(placed.status == .badGateway)
                #expect(errorCode(placed.json) == "payment_provider_unavailable")
                let orders = try await client.json(.get, "/api/admin/orders", token: Self.viewer)
                #expect(orders.status == .ok)
                let twice = try await client.json(
                    .post, "/api/orders", order(domain: "xn--bcher-kva.example", email: "bob@x.example"))
                #expect(twice.status == .conflict)
                #expect(errorCode(twice.json) == "domain_already_ordered")
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM checkout.orders WHERE status = 'pending_payment'") == 1)
                #expect(
                    try await database.count("SELECT count(*)::int FROM checkout.outbox WHERE type = 'order.placed'")
                        == 1)
            }
        }
    }

    @Test func theCatalogAndAdminAccess() async throws {
        try await TestDatabase.with(services: ["checkout"]) { database in
            try await withRouter(Self.definition(), database: database) { client in
                let catalog = try await client.execute(uri: "/api/catalog/products", method: .get) {
                    String(buffer: $0.body)
                }
                let products = try JSONSerialization.jsonObject(with: Data(catalog.utf8)) as? [[String: Any]] ?? []
                #expect(products.map { $0["slug"] as? String } == ["business", "pro", "starter"])
                #expect((products[2]["prices"] as? [[String: Any]])?.count == 8)

                #expect(try await client.json(.get, "/api/admin/orders").status == .unauthorized)
                #expect(
                    try await client.json(.get, "/api/admin/orders", token: "wrong-token-0123456789").status
                        == .unauthorized)
                // Nothing provisions a VPS yet: the catalog will not sell one.
                let vps: [String: Any] = [
                    "slug": "vps-small", "name": "VPS Small", "type": "vps",
                    "prices": [["billing_cycle": "monthly", "currency": "EUR", "amount": 1500]],
                ]
                let undeliverable = try await client.json(.post, "/api/catalog/admin/products", vps, token: Self.admin)
                #expect(
                    undeliverable.status == .unprocessableContent && errorCode(undeliverable.json) == "invalid_type")
                let product: [String: Any] = [
                    "slug": "hosting-small", "name": "Hosting Small", "type": "hosting", "panel_plan": "small",
                    "prices": [["billing_cycle": "monthly", "currency": "EUR", "amount": 1500]],
                ]
                let denied = try await client.json(.post, "/api/catalog/admin/products", product, token: Self.viewer)
                #expect(denied.status == .forbidden)
                #expect(errorCode(denied.json) == "forbidden")
                #expect(
                    try await client.json(.post, "/api/catalog/admin/products", product, token: Self.admin).status
                        == .created)
                #expect(
                    try await client.json(.post, "/api/catalog/admin/products", product, token: Self.admin).status
                        == .conflict)
                var bad = product
                bad["slug"] = "Bad Slug"
                #expect(
                    errorCode(try await client.json(.post, "/api/catalog/admin/products", bad, token: Self.admin).json)
                        == "invalid_slug")
                bad = product
                bad["prices"] = [["billing_cycle": "monthly", "currency": "EUR", "amount": 0]]
                bad["slug"] = "free"
                #expect(
                    try await client.json(.post, "/api/catalog/admin/products", bad, token: Self.admin).status
                        == .unprocessableContent)

                let missing = try await client.json(.get, "/api/orders/\(UUID())")
                #expect(missing.status == .notFound)
                #expect(errorCode(missing.json) == "not_found")
                #expect(try await client.json(.get, "/api/orders/not-a-uuid").status == .badRequest)
                let nowhere = try await client.json(.get, "/no/such/route")
                #expect(nowhere.status == .notFound)
                #expect(errorCode(nowhere.json) == "not_found")
            }
        }
    }

    @Test func aWebhookWithABadSignatureIs400AndChangesNothing() async throws {
        try await TestDatabase.with(services: ["checkout"]) { database in
            try await withRouter(Self.definition(), database: database) { client in
                let body =
                    #"{"id":"evt_1","type":"payment_intent.succeeded","created":1,"data":{"object":{"id":"pi_1","status":"succeeded","amount":499,"currency":"usd","metadata":{}}}}"#
                let forged = WebhookSignature(secret: "whsec_other").header(for: Array(body.utf8))
                let reply = try await client.json(
                    .post, "/webhooks/stripe", body, headers: [HTTPField.Name("Stripe-Signature")!: forged])
                #expect(reply.status == .badRequest)
                #expect(errorCode(reply.json) == "invalid_signature")
                let unsigned = try await client.json(.post, "/webhooks/stripe", body)
                #expect(unsigned.status == .badRequest)
                // A correctly signed event for no known order is recorded and ignored.
                let signed = WebhookSignature(secret: "whsec_api").header(for: Array(body.utf8))
                let unknown = try await client.json(
                    .post, "/webhooks/stripe", body, headers: [HTTPField.Name("Stripe-Signature")!: signed])
                #expect(unknown.json["outcome"] as? String == "unknown_order")
                #expect(try await database.count("SELECT count(*)::int FROM checkout.webhook_receipts") == 1)
                #expect(try await database.count("SELECT count(*)::int FROM checkout.outbox") == 0)
            }
        }
    }

    @Test func onlyASucceededPaymentOfTheOrdersAmountPaysIt() async throws {
        try await TestDatabase.with(services: ["checkout"]) { database in
            try await withRouter(Self.definition(), database: database) { client in
                // The provider is down: the order is kept without an intent, found by the metadata's order id.
                #expect(
                    try await client.json(.post, "/api/orders", order(domain: "paying.example")).status == .badGateway)
                let orders = try await client.json(.get, "/api/admin/orders", token: Self.viewer)
                let list = try JSONSerialization.jsonObject(with: Data(orders.text.utf8)) as? [[String: Any]]
                let placed = try #require(list?.first, "\(orders.text)")
                let (id, amount) = (try #require(placed["id"] as? String), try #require(placed["amount"] as? Int))
                func deliver(
                    _ event: String, _ type: String, amount: Int, currency: String = "usd", intent: String? = nil
                ) async throws -> String? {
                    let body =
                        #"{"id":"\#(event)","type":"\#(type)","created":1,"data":{"object":{"id":"\#(intent ?? "pi_" + event)","status":"x","amount":\#(amount),"currency":"\#(currency)","metadata":{"order_id":"\#(id)"}}}}"#
                    let signed = WebhookSignature(secret: "whsec_api").header(for: Array(body.utf8))
                    let reply = try await client.json(
                        .post, "/webhooks/stripe", body, headers: [HTTPField.Name("Stripe-Signature")!: signed])
                    #expect(reply.status == .ok)
                    return reply.json["outcome"] as? String
                }
                // A wrong amount or currency pays nothing and is refunded, once per payment.
                #expect(try await deliver("evt_short", "payment_intent.succeeded", amount: amount - 1) == "refunded")
                #expect(
                    try await deliver("evt_euro", "payment_intent.succeeded", amount: amount, currency: "eur")
                        == "refunded")
                #expect(
                    try await deliver("evt_declined", "payment_intent.payment_failed", amount: amount)
                        == "payment_failed")
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM checkout.orders WHERE status = 'pending_payment'") == 1)
                #expect(
                    try await database.count("SELECT count(*)::int FROM checkout.outbox WHERE type <> 'order.placed'")
                        == 0)

                #expect(try await deliver("evt_paid", "payment_intent.succeeded", amount: amount) == "paid")
                // The same payment told again is not a second one; another payment is, and goes back.
                #expect(
                    try await deliver(
                        "evt_paid_again", "payment_intent.succeeded", amount: amount, intent: "pi_evt_paid")
                        == "already_paid")
                #expect(try await deliver("evt_again", "payment_intent.succeeded", amount: amount) == "refunded")
                #expect(
                    try await database.count(
                        """
                        SELECT count(*)::int FROM checkout.stray_payments WHERE (payment_intent, reason) IN
                            (('pi_evt_short', 'wrong_amount'), ('pi_evt_euro', 'wrong_amount'), ('pi_evt_again', 'duplicate'))
                        """) == 3)
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM checkout.tasks WHERE type = 'refund-stray-payment'") == 3)
                #expect(
                    try await database.count(
                        """
                        SELECT count(*)::int FROM checkout.orders WHERE status = 'paid' AND payment_intent = 'pi_evt_paid'
                        """) == 1)
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM checkout.outbox WHERE type IN ('order.paid', 'provision-account')")
                        == 2)
                #expect(try await database.count("SELECT count(*)::int FROM checkout.webhook_receipts") == 6)
            }
        }
    }
}
