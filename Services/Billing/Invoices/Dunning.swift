import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// A day's dunning, each step once per invoice (`dunning_actions`): a reminder before the
/// due date for invoices nobody will charge, an overdue notice, suspension after the grace
/// period, termination after the termination period. An invoice with a charge under way is
/// left alone until the charge settles.
struct Dunning: Sendable {
    let settings: BillingSettings

    struct Outcome: Sendable, Codable {
        var reminders = 0
        var suspensions = 0
        var terminations = 0
    }

    func run(on day: BillingDay, trigger: String, in transaction: Transaction) async throws -> Outcome {
        let (connection, logger) = (transaction.connection, transaction.logger)
        try await BillingLock.take(on: connection, logger: logger)
        var outcome = Outcome()
        guard let run = try await BillingRun.start(.dunning, on: day, trigger: trigger, in: transaction) else {
            return outcome
        }
        outcome.reminders = try await remind(on: day, in: transaction)
        outcome.suspensions = try await suspend(on: day, only: nil, in: transaction)
        outcome.terminations = try await terminate(on: day, in: transaction)
        try await transaction.query(
            """
            UPDATE runs SET reminders = \(outcome.reminders), suspensions = \(outcome.suspensions),
                terminations = \(outcome.terminations), finished_at = now()
            WHERE id = \(run)
            """)
        return outcome
    }

    private func remind(on day: BillingDay, in transaction: Transaction) async throws -> Int {
        let (connection, logger) = (transaction.connection, transaction.logger)
        let soon = try await pastDue(
            connection.query(
                """
                WITH picked AS (
                    SELECT id, due_on FROM invoices
                    WHERE status = 'open' AND NOT charge_pending AND next_charge_on IS NULL AND charge_attempts = 0
                      AND due_on > \(day.description)::date AND due_on - \(day.description)::date <= \(settings.reminderDaysBefore)
                ), acted AS (
                    INSERT INTO dunning_actions (invoice_id, action, taken_on)
                    SELECT id, 'due-soon', \(day.description)::date FROM picked ON CONFLICT DO NOTHING RETURNING invoice_id
                )
                SELECT p.id, \(day.description)::date - p.due_on, (p.due_on + \(settings.graceDays)::int)::text
                FROM picked p JOIN acted a ON a.invoice_id = p.id
                """, logger: logger))
        let overdue = try await pastDue(
            connection.query(
                """
                WITH picked AS (
                    SELECT id, due_on FROM invoices
                    WHERE status = 'open' AND NOT charge_pending AND due_on < \(day.description)::date
                ), acted AS (
                    INSERT INTO dunning_actions (invoice_id, action, taken_on)
                    SELECT id, 'overdue', \(day.description)::date FROM picked ON CONFLICT DO NOTHING RETURNING invoice_id
                )
                SELECT p.id, \(day.description)::date - p.due_on, (p.due_on + \(settings.graceDays)::int)::text
                FROM picked p JOIN acted a ON a.invoice_id = p.id
                """, logger: logger))
        let parties = try await InvoiceParties.load(soon.map(\.id) + overdue.map(\.id), on: connection, logger: logger)
        try await transaction.publish(
            contentsOf: soon.compactMap { invoice in
                parties[invoice.id].map { InvoiceDueSoon(invoice: $0, days: -invoice.daysPastDue) }
            })
        try await transaction.publish(
            contentsOf: overdue.compactMap { invoice in
                parties[invoice.id].map {
                    InvoiceOverdue(invoice: $0, days: invoice.daysPastDue, suspendsOn: invoice.suspendsOn)
                }
            })
        return soon.count + overdue.count
    }

    private func pastDue(_ rows: PostgresRowSequence) async throws -> [(id: UUID, daysPastDue: Int, suspendsOn: String)]
    {
        var invoices: [(id: UUID, daysPastDue: Int, suspendsOn: String)] = []
        for try await (id, days, suspends) in rows.decode((UUID, Int, String).self) {
            invoices.append((id, days, suspends))
        }
        return invoices
    }

    /// Suspends, for non-payment, the active accounts with an invoice past the grace period
    /// (`only`: just this invoice's, after its charge was declined).
    func suspend(on day: BillingDay, only: UUID?, in transaction: Transaction) async throws -> Int {
        let (connection, logger) = (transaction.connection, transaction.logger)
        let rows = try await connection.query(
            """
            WITH picked AS (
                SELECT DISTINCT ON (s.id) i.id AS invoice_id, s.id AS subscription_id, a.account_id
                FROM invoices i JOIN subscriptions s ON s.id = i.subscription_id JOIN accounts a ON a.order_id = s.order_id
                WHERE i.status = 'open' AND NOT i.charge_pending AND s.status = 'active'
                  AND i.due_on + \(settings.graceDays)::int <= \(day.description)::date AND (\(only)::uuid IS NULL OR i.id = \(only))
                ORDER BY s.id, i.due_on
            ), marked AS (
                UPDATE subscriptions s SET status = 'suspended', suspended_for = 'non-payment', updated_at = now()
                FROM picked p WHERE s.id = p.subscription_id
            ), acted AS (
                INSERT INTO dunning_actions (invoice_id, action, taken_on)
                SELECT invoice_id, 'suspend', \(day.description)::date FROM picked ON CONFLICT DO NOTHING
            )
            SELECT account_id FROM picked
            """, logger: logger)
        var commands: [SuspendAccount] = []
        for try await account in rows.decode(UUID.self) {
            commands.append(SuspendAccount(accountID: account, reason: "non-payment", actor: "billing"))
        }
        try await transaction.send(contentsOf: commands)
        return commands.count
    }

    /// Terminates subscriptions with an invoice unpaid beyond the termination period; their
    /// open invoices are cancelled, so nothing more is charged or reminded.
    private func terminate(on day: BillingDay, in transaction: Transaction) async throws -> Int {
        let (connection, logger) = (transaction.connection, transaction.logger)
        guard let days = settings.terminateAfterDays else { return 0 }
        let rows = try await connection.query(
            """
            WITH picked AS (
                SELECT DISTINCT ON (s.id) i.id AS invoice_id, s.id AS subscription_id, a.account_id
                FROM invoices i JOIN subscriptions s ON s.id = i.subscription_id LEFT JOIN accounts a ON a.order_id = s.order_id
                WHERE i.status = 'open' AND NOT i.charge_pending AND s.status IN ('active', 'suspended')
                  AND i.due_on + \(days)::int <= \(day.description)::date
                ORDER BY s.id, i.due_on
            ), ended AS (
                UPDATE subscriptions s SET status = 'terminated', end_reason = 'non_payment', updated_at = now() FROM picked p WHERE s.id = p.subscription_id
            ), cancelled AS (
                UPDATE invoices i SET status = 'cancelled', next_charge_on = NULL
                FROM picked p WHERE i.subscription_id = p.subscription_id AND i.status = 'open'
            ), acted AS (
                INSERT INTO dunning_actions (invoice_id, action, taken_on)
                SELECT invoice_id, 'terminate', \(day.description)::date FROM picked ON CONFLICT DO NOTHING
            )
            SELECT account_id FROM picked
            """, logger: logger)
        var commands: [TerminateAccount] = []
        var count = 0
        for try await account in rows.decode(UUID?.self) {
            count += 1
            if let account { commands.append(TerminateAccount(accountID: account, actor: "billing")) }
        }
        try await transaction.send(contentsOf: commands)
        return count
    }
}
