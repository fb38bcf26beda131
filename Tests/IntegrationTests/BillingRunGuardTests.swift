import BillingService
import Contracts
import Foundation
import HTTPSupport
import HTTPTypes
import Logging
import Payments
import Persistence
import PostgresNIO
import TestSupport
import Testing
import WireCodec

@testable import Delivery
@testable import ServiceKit

/// Billing runs happen once per timer slot and never for days that have not begun.
@Suite struct BillingRunGuardTests {
    static let admin = "admin-token-0123456789abcdef"

    static func definition() -> ServiceDefinition {
        buildBilling(
            BillingSettings(
                gateway: StripeGateway(
                    baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk_test", timeout: .seconds(2)),
                webhookSignature: WebhookSignature(secret: "whsec_runs"), apiTokens: APITokens([(.admin, admin)])))
    }

    /// Two timers (or one event republished under a new number) announce the same slots: each
    /// kind of run happens once, and the second announcement changes nothing.
    @Test func aTimerSlotAnnouncedTwiceRunsBillingOnce() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            let logger = Logger(label: "hostwire.test.billing-runs")
            let definition = Self.definition()
            try await withPostgresClient(database.settings(as: "billing"), logger: logger) { client in
                try await ServiceHost.migrate(
                    "billing", directory: Paths.root.appendingPathComponent("migrations/billing"),
                    client: client, logger: logger)
                let store = ServiceStore(
                    database: Database.forTests(client: client, logger: logger), outbox: Outbox(source: "billing"))
                let handler = try #require(definition.handlers.events[TimerFired.wireName])
                let slot = Date()
                var sequence: Int64 = 0
                for schedule in [
                    "recurring-billing", "overdue-suspensions", "recurring-billing", "overdue-suspensions",
                ] {
                    sequence += 1
                    let header = EnvelopeHeader(
                        type: TimerFired.wireName, version: TimerFired.version, source: TimerFired.publisher,
                        sequence: sequence, occurredAt: slot)
                    let wire = try WireMessage.make(
                        TimerFired(schedule: schedule, slot: slot), to: TimerFired.topic, header: header)
                    let message = try ReceivedMessage(frames: [Array(wire.address.utf8), wire.envelope])
                    try await store.transaction { transaction in
                        try await handler(message, transaction.handling(header))
                    }
                }
                let runs = try await store.query(
                    "SELECT kind, count(*)::int FROM runs WHERE trigger = 'timer' GROUP BY kind ORDER BY kind"
                )
                .map { try $0.decode((String, Int).self) }
                #expect(runs.map(\.0) == ["dunning", "invoicing"])
                #expect(runs.map(\.1) == [1, 1])
            }
        }
    }

    @Test func aRunForADayAfterTomorrowIsRefused() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(Self.definition(), database: database) { client in
                func day(_ offset: Int) -> String {
                    String(
                        ISO8601DateFormatter().string(from: Date().addingTimeInterval(Double(offset) * 86_400)).prefix(
                            10))
                }
                let future = try await client.json(.post, "/api/billing/runs", ["date": day(2)], token: Self.admin)
                #expect(future.status == .conflict)
                #expect(errorCode(future.json) == "date_in_future")
                let farFuture = try await client.json(
                    .post, "/api/billing/runs", ["date": "2999-01-01"], token: Self.admin)
                #expect(farFuture.status == .conflict)
                #expect(
                    try await client.json(.post, "/api/billing/runs", ["date": day(1)], token: Self.admin).status == .ok
                )
                #expect(
                    try await client.json(.post, "/api/billing/runs", ["date": day(-3)], token: Self.admin).status
                        == .ok)
            }
        }
    }
}
