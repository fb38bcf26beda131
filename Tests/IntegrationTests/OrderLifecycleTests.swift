import CheckoutService
import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Payments
import Persistence
import PostgresNIO
import TestSupport
import Testing
import WireCodec

@testable import Delivery
@testable import ServiceKit

/// Nobody holds a domain for ever: an unpaid order expires, a terminated account's order
/// closes, either frees the domain; one live order per domain holds under a race; and one
/// address cannot place orders without end.
@Suite struct OrderLifecycleTests {
    static func definition() -> ServiceDefinition {
        CheckoutAPITests.definition()  // its gateway is down: orders are kept, 502 says so
    }

    static func order(_ domain: String, email: String = "buyer@example.net") -> [String: Any] {
        [
            "customer": ["email": email, "name": "Buyer"], "product_id": CheckoutAPITests.starter,
            "billing_cycle": "monthly",
            "currency": "USD", "domain": domain,
        ]
    }

    /// Hands `event` to checkout's handler for it, as the consumer would.
    static func deliver<E: Event>(
        _ event: E, sequence: Int64, to definition: ServiceDefinition, _ database: TestDatabase
    ) async throws {
        let logger = Logger(label: "hostwire.test.order-lifecycle")
        try await withPostgresClient(database.settings(as: "checkout"), logger: logger) { client in
            let store = ServiceStore(
                database: Database.forTests(client: client, logger: logger), outbox: Outbox(source: "checkout"))
            let handler = try #require(definition.handlers.events[E.wireName])
            let header = EnvelopeHeader(
                type: E.wireName, version: E.version, source: E.publisher, sequence: sequence, occurredAt: Date())
            let wire = try WireMessage.make(event, to: E.topic, header: header)
            let message = try ReceivedMessage(frames: [Array(wire.address.utf8), wire.envelope])
            try await store.transaction { transaction in try await handler(message, transaction.handling(header)) }
        }
    }

    static func live(_ domain: String, _ database: TestDatabase) async throws -> Int {
        try await database.count(
            "SELECT count(*)::int FROM checkout.orders WHERE domain = \(domain) AND status IN ('pending_payment', 'paid')"
        )
    }

    @Test func anAbandonedOrderExpiresAndItsDomainCanBeOrderedAgain() async throws {
        try await TestDatabase.with(services: ["checkout"]) { database in
            let definition = Self.definition()
            try await withRouter(definition, database: database) { client in
                #expect(try await client.json(.post, "/api/orders", Self.order("held.example")).status == .badGateway)
                #expect(try await client.json(.post, "/api/orders", Self.order("held.example")).status == .conflict)
                // 47 hours old: kept; 49 hours: expired, judged against the slot's time.
                try await database.withAdmin { admin in
                    try await admin.query(
                        "UPDATE checkout.orders SET created_at = now() - interval '47 hours'",
                        logger: TestDatabase.logger)
                }
                try await Self.deliver(
                    TimerFired(schedule: "order-expiry", slot: Date()), sequence: 1, to: definition, database)
                #expect(try await Self.live("held.example", database) == 1)
                try await Self.deliver(
                    TimerFired(schedule: "order-expiry", slot: Date().addingTimeInterval(2 * 3600)), sequence: 2,
                    to: definition, database)
                #expect(try await Self.live("held.example", database) == 0)
                #expect(
                    try await database.count("SELECT count(*)::int FROM checkout.outbox WHERE type = 'order.cancelled'")
                        == 1)
                #expect(try await client.json(.post, "/api/orders", Self.order("held.example")).status == .badGateway)
                #expect(try await Self.live("held.example", database) == 1)
            }
        }
    }

    @Test func aTerminatedAccountsDomainCanBeOrderedAgain() async throws {
        try await TestDatabase.with(services: ["checkout"]) { database in
            let definition = Self.definition()
            try await withRouter(definition, database: database) { client in
                _ = try await client.json(.post, "/api/orders", Self.order("mine.example"))
                try await database.withAdmin { admin in
                    try await admin.query(
                        "UPDATE checkout.orders SET status = 'paid', paid_at = now()", logger: TestDatabase.logger)
                }
                #expect(try await client.json(.post, "/api/orders", Self.order("mine.example")).status == .conflict)
                try await Self.deliver(
                    AccountTerminated(accountID: UUID(), domain: "mine.example", actor: "billing"), sequence: 1,
                    to: definition, database)
                #expect(try await client.json(.post, "/api/orders", Self.order("mine.example")).status == .badGateway)
                #expect(
                    try await database.count("SELECT count(*)::int FROM checkout.orders WHERE status = 'closed'") == 1)
            }
        }
    }

    @Test func twentyOrdersAtOnceForOneDomainLeaveOneLiveOrder() async throws {
        try await TestDatabase.with(services: ["checkout"]) { database in
            try await withRouter(Self.definition(), database: database) { client in
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for n in 0..<20 {
                        group.addTask {
                            try await client.json(
                                .post, "/api/orders", Self.order("race.example", email: "b\(n)@example.net")
                            ).status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == .conflict }.count == 19, "\(statuses)")
                #expect(try await Self.live("race.example", database) == 1)
            }
        }
    }

    @Test func theTwentyFirstOrderFromOneAddressInAnHourIsRefused() async throws {
        try await TestDatabase.with(services: ["checkout"]) { database in
            try await withRouter(Self.definition(), database: database) { client in
                var statuses: [HTTPResponse.Status] = []
                for n in 0..<21 {
                    statuses.append(
                        try await client.json(
                            .post, "/api/orders", Self.order("site\(n).example", email: "c\(n)@example.net")
                        ).status)
                }
                #expect(statuses.prefix(20).allSatisfy { $0 == .badGateway }, "\(statuses)")
                let refused = try await client.json(
                    .post, "/api/orders", Self.order("late.example", email: "late@example.net"))
                #expect(
                    statuses.last == .tooManyRequests && refused.status == .tooManyRequests
                        && errorCode(refused.json) == "too_many_orders")
                #expect(try await database.count("SELECT count(*)::int FROM checkout.orders") == 20)
            }
        }
    }

    @Test func aPaymentArrivingAfterTheOrderExpiredIsRefundedNotKept() async throws {
        try await TestDatabase.with(services: ["checkout"]) { database in
            let definition = Self.definition()
            try await withRouter(definition, database: database) { client in
                _ = try await client.json(.post, "/api/orders", Self.order("late-pay.example"))
                try await database.withAdmin { admin in
                    try await admin.query(
                        "UPDATE checkout.orders SET created_at = now() - interval '49 hours'",
                        logger: TestDatabase.logger)
                }
                try await Self.deliver(
                    TimerFired(schedule: "order-expiry", slot: Date()), sequence: 1, to: definition, database)
                let (id, amount) = try await database.withAdmin { admin in
                    try await admin.query("SELECT id, amount FROM checkout.orders", logger: TestDatabase.logger)
                        .collect().first!
                        .decode((UUID, Int).self)
                }
                let body =
                    #"{"id":"evt_late","type":"payment_intent.succeeded","created":1,"data":{"object":{"id":"pi_late","status":"succeeded","amount":\#(amount),"currency":"usd","metadata":{"order_id":"\#(id.uuidString.lowercased())"}}}}"#
                let signed = WebhookSignature(secret: "whsec_api").header(for: Array(body.utf8))
                let reply = try await client.json(
                    .post, "/webhooks/stripe", body, headers: [HTTPField.Name("Stripe-Signature")!: signed])
                #expect(reply.json["outcome"] as? String == "refunded")
                #expect(
                    try await database.count(
                        """
                        SELECT count(*)::int FROM checkout.stray_payments WHERE payment_intent = 'pi_late' AND reason = 'order_ended'
                        """) == 1)
                #expect(
                    try await database.count("SELECT count(*)::int FROM checkout.orders WHERE status = 'cancelled'")
                        == 1)
            }
        }
    }
}
