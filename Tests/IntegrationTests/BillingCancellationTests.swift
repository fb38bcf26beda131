import BillingService
import Contracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Persistence
import PortalTokens
import PostgresNIO
import TestSupport
import Testing
import WireCodec

@testable import Delivery
@testable import ServiceKit

/// Cancelling: at the end of the term nothing more is invoiced and the account is terminated
/// on the day; now ends it at once; only the customer's own; an operator can take back a
/// pending one.
@Suite struct BillingCancellationTests {
    static func fire(
        _ schedule: String, on slot: Date, sequence: Int64, _ definition: ServiceDefinition, _ database: TestDatabase
    ) async throws {
        let logger = Logger(label: "hostwire.test.cancellation")
        try await withPostgresClient(database.settings(as: "billing"), logger: logger) { client in
            let store = ServiceStore(
                database: Database.forTests(client: client, logger: logger), outbox: Outbox(source: "billing"))
            let handler = try #require(definition.handlers.events[TimerFired.wireName])
            let header = EnvelopeHeader(
                type: TimerFired.wireName, version: TimerFired.version, source: TimerFired.publisher,
                sequence: sequence, occurredAt: slot)
            let wire = try WireMessage.make(
                TimerFired(schedule: schedule, slot: slot), to: TimerFired.topic, header: header)
            let message = try ReceivedMessage(frames: [Array(wire.address.utf8), wire.envelope])
            do {
                try await store.transaction { transaction in try await handler(message, transaction.handling(header)) }
            } catch {
                Issue.record("\(String(reflecting: error))")
            }
        }
    }

    @Test func atTheEndOfTheTermNothingMoreIsInvoicedAndTheAccountGoesOnTheDay() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            let definition = try await CustomerEndpointTests.billing()
            try await withRouter(definition, database: database) { client in
                let (mine, _) = try await CustomerEndpointTests.seedInvoices(database)
                let (subscription, account, nextDue) = try await database.withAdmin { admin in
                    let row = try await admin.query(
                        """
                        SELECT s.id, s.order_id, s.next_due FROM billing.subscriptions s JOIN billing.invoices i ON i.subscription_id = s.id
                        WHERE i.id = \(mine)
                        """, logger: TestDatabase.logger
                    ).collect().first!
                    let (id, order, due) = try row.decode((UUID, UUID, Date).self)
                    let account = UUID()
                    try await admin.query(
                        "INSERT INTO billing.accounts (order_id, account_id) VALUES (\(order), \(account))",
                        logger: TestDatabase.logger)
                    try await admin.query(
                        "UPDATE billing.invoices SET status = 'paid', amount_paid = total WHERE id = \(mine)",
                        logger: TestDatabase.logger)
                    return (id, account, due)
                }
                let token = try await CustomerEndpointTests.token(CustomerEndpointTests.alice)
                let theirs = try await client.json(
                    .post, "/api/customer/subscriptions/\(subscription)/cancellation", ["when": "end_of_term"],
                    token: try await CustomerEndpointTests.token(CustomerEndpointTests.bob))
                #expect(theirs.status == .notFound)
                let asked = try await client.json(
                    .post, "/api/customer/subscriptions/\(subscription)/cancellation", ["when": "end_of_term"],
                    token: token)
                #expect(
                    asked.status == .ok
                        && asked.json["effective_on"] as? String == BillingCancellationTests.day(nextDue))
                // The next period would be invoiced a week before it starts: not any more.
                try await Self.fire(
                    "recurring-billing", on: nextDue.addingTimeInterval(-5 * 86_400), sequence: 1, definition, database)
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM billing.invoices WHERE subscription_id = \(subscription)") == 1)
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM billing.outbox WHERE type = 'terminate-account'") == 0)
                // On the day: ended, the account terminated.
                try await Self.fire("recurring-billing", on: nextDue, sequence: 2, definition, database)
                #expect(
                    try await database.count(
                        """
                        SELECT count(*)::int FROM billing.subscriptions WHERE id = \(subscription) AND status = 'cancelled'
                        """) == 1)
                let commands = try await database.withAdmin { admin in
                    try await admin.query(
                        "SELECT payload::text FROM billing.outbox WHERE type = 'terminate-account'",
                        logger: TestDatabase.logger
                    )
                    .collect().map { try $0.decode(String.self) }
                }
                #expect(commands.count == 1 && commands[0].lowercased().contains(account.uuidString.lowercased()))
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM billing.outbox WHERE type = 'subscription.cancelled'") == 1)
                let again = try await client.json(
                    .post, "/api/customer/subscriptions/\(subscription)/cancellation", ["when": "now"],
                    token: token)
                #expect(again.status == .conflict)
            }
        }
    }

    @Test func nowEndsItAtOnceAndCancelsTheOpenInvoice() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(try await CustomerEndpointTests.billing(), database: database) { client in
                let (mine, _) = try await CustomerEndpointTests.seedInvoices(database)
                let subscription = try await database.withAdmin { admin in
                    try await admin.query(
                        "SELECT subscription_id FROM billing.invoices WHERE id = \(mine)", logger: TestDatabase.logger
                    )
                    .collect().first!.decode(UUID.self)
                }
                let asked = try await client.json(
                    .post, "/api/customer/subscriptions/\(subscription)/cancellation", ["when": "now"],
                    token: try await CustomerEndpointTests.token(CustomerEndpointTests.alice))
                #expect(asked.status == .ok && asked.json["status"] as? String == "cancelled")
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM billing.invoices WHERE id = \(mine) AND status = 'cancelled'") == 1)
            }
        }
    }

    @Test func anOperatorTakesBackAPendingCancellation() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(try await CustomerEndpointTests.billing(), database: database) { client in
                let (mine, _) = try await CustomerEndpointTests.seedInvoices(database)
                let subscription = try await database.withAdmin { admin in
                    try await admin.query(
                        "SELECT subscription_id FROM billing.invoices WHERE id = \(mine)", logger: TestDatabase.logger
                    )
                    .collect().first!.decode(UUID.self)
                }
                let path = "/api/billing/subscriptions/\(subscription)/cancellation"
                let asked = try await client.json(
                    .post, path, ["when": "end_of_term", "actor": "ops@example.net"], token: CheckoutAPITests.admin)
                #expect(asked.status == .ok)
                #expect(
                    try await database.count(
                        """
                        SELECT count(*)::int FROM billing.subscriptions WHERE cancel_requested_by = 'ops@example.net'
                        """) == 1)
                #expect(try await client.json(.delete, path, token: CheckoutAPITests.admin).status == .noContent)
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM billing.subscriptions WHERE cancel_on IS NOT NULL") == 0)
                #expect(try await client.json(.delete, path, token: CheckoutAPITests.admin).status == .notFound)
            }
        }
    }

    static func day(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash))
    }
}
