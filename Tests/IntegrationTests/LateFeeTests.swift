import BillingService
import Contracts
import Foundation
import HTTPSupport
import Logging
import Payments
import Persistence
import PostgresNIO
import TestSupport
import Testing
import WireCodec

@testable import Delivery
@testable import ServiceKit

/// Late fees like WHMCS's, off unless configured: a fixed amount or a share of the overdue
/// invoice, after so many days, as an invoice of its own, once per overdue invoice.
@Suite struct LateFeeTests {
    @Test func aFeeIsAFixedAmountOrAShareAndNothingElse() {
        #expect(LateFee(parsing: "10%") == .share(basisPoints: 1000))
        #expect(LateFee(parsing: "2.5%") == .share(basisPoints: 250))
        #expect(LateFee(parsing: "500") == .fixed(500))
        for text in ["", "abc", "-5", "0", "101%", "1.234%", "5 USD", "9223372036854775807"] {
            #expect(LateFee(parsing: text) == nil, "\(text)")
        }
    }

    @Test func anInvoiceStillUnpaidTenDaysPastDueGetsOneFeeInvoice() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            let logger = Logger(label: "hostwire.test.late-fees")
            var settings = BillingSettings(
                gateway: StripeGateway(
                    baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk_test", timeout: .seconds(2)),
                webhookSignature: WebhookSignature(secret: "whsec_fees"), apiTokens: APITokens([]))
            settings.lateFee = .share(basisPoints: 1000)
            settings.lateFeeAfterDays = 10
            let definition = buildBilling(settings)
            try await withPostgresClient(database.settings(as: "billing"), logger: logger) { client in
                try await ServiceHost.migrate(
                    "billing", directory: Paths.root.appendingPathComponent("migrations/billing"), client: client,
                    logger: logger)
                let (customer, subscription) = (UUID(), UUID())
                let (late, recent, paid) = (UUID(), UUID(), UUID())
                try await client.query(
                    "INSERT INTO customers (id, email, name) VALUES (\(customer), 'lee@example.net', 'Lee')",
                    logger: logger)
                try await client.query(
                    """
                    INSERT INTO subscriptions (id, order_id, customer_id, product_id, product_name, domain, cycle, cycle_months,
                                               amount, currency, started_on, next_due)
                    VALUES (\(subscription), \(UUID()), \(customer), \(UUID()), 'Starter', 'lee.example', 'monthly', 1, 594, 'USD',
                            current_date - 60, current_date + 30)
                    """, logger: logger)
                for (number, (id, daysAgo, status)) in [(late, 11, "open"), (recent, 5, "open"), (paid, 20, "paid")]
                    .enumerated()
                {
                    try await client.query(
                        """
                        INSERT INTO invoices (id, number, subscription_id, customer_id, period_start, period_end, issued_on, due_on,
                                              subtotal, total, currency, status, amount_paid)
                        VALUES (\(id), \("INV-00000\(number + 1)"), \(subscription), \(customer), current_date - \(daysAgo)::int - \(number)::int,
                                current_date + 30, current_date - \(daysAgo)::int, current_date - \(daysAgo)::int, 594, 594, 'USD', \(status),
                                \(status == "paid" ? 594 : 0))
                        """, logger: logger)
                }
                try await client.query("UPDATE invoice_counter SET last = 3", logger: logger)
                let store = ServiceStore(
                    database: Database.forTests(client: client, logger: logger), outbox: Outbox(source: "billing"))
                let handler = try #require(definition.handlers.events[TimerFired.wireName])
                // Today's run, the same slot again, and tomorrow's: one fee, for the one invoice past ten days.
                for (sequence, slot) in [Date(), Date(), Date().addingTimeInterval(86_400)].enumerated() {
                    let header = EnvelopeHeader(
                        type: TimerFired.wireName, version: TimerFired.version, source: TimerFired.publisher,
                        sequence: Int64(sequence + 1), occurredAt: slot)
                    let wire = try WireMessage.make(
                        TimerFired(schedule: "overdue-suspensions", slot: slot), to: TimerFired.topic, header: header)
                    let message = try ReceivedMessage(frames: [Array(wire.address.utf8), wire.envelope])
                    try await store.transaction { transaction in
                        try await handler(message, transaction.handling(header))
                    }
                }
                let fees = try await store.query(
                    """
                    SELECT i.late_fee_for, i.number, i.total, i.status, l.description FROM invoices i
                    JOIN invoice_lines l ON l.invoice_id = i.id WHERE i.kind = 'late-fee'
                    """
                ).map { try $0.decode((UUID, String, Int, String, String).self) }
                #expect(fees.count == 1)
                #expect(fees.first?.0 == late && fees.first?.1 == "INV-000004", "numbered after the others, no gap")
                #expect(fees.first?.2 == 59, "10% of 5.94, rounded half-up")
                #expect(fees.first?.3 == "open" && fees.first?.4.hasPrefix("Late fee for invoice INV-000001") == true)
                let announced = try await store.query(
                    "SELECT count(*)::int FROM outbox WHERE type = 'invoice.created'"
                ).first?.decode(Int.self)
                #expect(announced == 1)
                // The fee's own invoice never draws a fee, and nothing was suspended for it.
                #expect(
                    try await store.query("SELECT count(*)::int FROM invoices WHERE late_fee_for IS NOT NULL").first?
                        .decode(Int.self) == 1)
            }
        }
    }
}
