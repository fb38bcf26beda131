import CheckoutService
import Contracts
import Foundation
import HTTPSupport
import HTTPTypes
import HummingbirdTesting
import Payments
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Checkout turns new orders away at the door (503 `busy`, `Retry-After`) while the platform
/// has more paid orders unfinished than its bound, and takes them again once accounts are made.
@Suite struct OrderBacklogTests {
    static func definition(backlogLimit: Int) -> ServiceDefinition {
        var settings = CheckoutSettings(
            gateway: StripeGateway(
                baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk_test", timeout: .seconds(2)),
            webhookSignature: WebhookSignature(secret: "whsec_api"), apiTokens: APITokens([]))
        settings.orderBacklogLimit = backlogLimit
        return buildCheckout(settings)
    }

    static func provisioned(_ order: UUID, _ domain: String) -> AccountProvisioned {
        AccountProvisioned(
            accountID: UUID(), orderID: order, customerID: UUID(), customerName: "Buyer",
            contactEmail: "buyer@example.net", domain: domain, username: "u", serverHostname: "whm1.example.net",
            serverIP: "192.0.2.1", nameservers: [], panel: "cpanel", controlPanelURL: "https://whm1.example.net:2083",
            sealedPassword: nil)
    }

    @Test func ordersAreRefusedWhileTwoPaidOrdersAreUnfinishedAndTakenOnceOneIsDone() async throws {
        try await TestDatabase.with(services: ["checkout"]) { database in
            let definition = Self.definition(backlogLimit: 2)
            try await withRouter(definition, database: database) { client in
                // The provider is down: each order is kept (502) — admitted, which is what counts here.
                for domain in ["one.example", "two.example"] {
                    #expect(
                        try await client.json(.post, "/api/orders", OrderLifecycleTests.order(domain)).status
                            == .badGateway)
                }
                try await database.withAdmin { admin in
                    try await admin.query(
                        "UPDATE checkout.orders SET status = 'paid', paid_at = now()", logger: TestDatabase.logger)
                }
                try await Task.sleep(for: .milliseconds(300))  // past the count's freshness
                let refused = try await client.json(.post, "/api/orders", OrderLifecycleTests.order("three.example"))
                #expect(refused.status == .serviceUnavailable, "\(refused.text)")
                #expect(errorCode(refused.json) == "busy")
                #expect(try await database.count("SELECT count(*)::int FROM checkout.orders") == 2)
                let retryAfter = try await client.execute(
                    uri: "/api/orders", method: .post, headers: [.contentType: "application/json"],
                    body: .init(
                        bytes: try JSONSerialization.data(withJSONObject: OrderLifecycleTests.order("x.example")))
                ) { $0.headers[.retryAfter] }
                #expect(retryAfter == "30")

                // One account made, and the second given up on: both leave the backlog, once each.
                let (first, second) = try await database.withAdmin { admin in
                    let ids = try await admin.query(
                        "SELECT id FROM checkout.orders ORDER BY domain", logger: TestDatabase.logger
                    ).collect().map { try $0.decode(UUID.self) }
                    return (ids[0], ids[1])  // one.example, two.example
                }
                try await OrderLifecycleTests.deliver(
                    Self.provisioned(first, "one.example"), sequence: 1, to: definition, database)
                try await Task.sleep(for: .milliseconds(300))
                #expect(
                    try await client.json(.post, "/api/orders", OrderLifecycleTests.order("three.example")).status
                        == .badGateway)
                try await OrderLifecycleTests.deliver(
                    AccountProvisioningFailed(orderID: second, reason: "panel refused"), sequence: 2,
                    to: definition, database)
                try await OrderLifecycleTests.deliver(
                    Self.provisioned(first, "one.example"), sequence: 3, to: definition, database)
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM checkout.orders WHERE status = 'paid' AND finished_at IS NULL") == 0)
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM checkout.orders WHERE finished_at IS NOT NULL") == 2)
            }
        }
    }
}
