import Logging
import PostgresNIO
import ServiceKit

/// The `runs` table's statements. A run's row is written before its work so that a timer slot runs each
/// kind once a day: the unique index on timer runs turns a second `timer.fired` for the
/// same slot (republished, or from a second timer) into nothing.
enum BillingRun {
    enum Kind: String {
        case invoicing, dunning
    }

    /// Records the run's start; `nil` when the timer already ran this kind for `day`.
    static func start(_ kind: Kind, on day: BillingDay, trigger: String, in transaction: Transaction) async throws
        -> Int64?
    {
        let rows = try await transaction.query(
            """
            INSERT INTO runs (kind, run_date, trigger) VALUES (\(kind.rawValue), \(day.description)::date, \(trigger))
            ON CONFLICT DO NOTHING RETURNING id
            """)
        guard let row = rows.first else {
            transaction.logger.notice(
                "billing run for this slot was done already; skipped",
                metadata: [
                    "kind": "\(kind.rawValue)", "day": "\(day)",
                ])
            return nil
        }
        return try row.decode(Int64.self)
    }

    /// Records what an invoicing run did.
    static func finish(_ run: Int64, invoicing outcome: Invoicing.Outcome, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            UPDATE runs SET invoices_created = \(outcome.invoicesCreated), charges_queued = \(outcome.chargesQueued), finished_at = now()
            WHERE id = \(run)
            """)
    }

    /// Records what a dunning run did.
    static func finish(_ run: Int64, dunning outcome: Dunning.Outcome, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            UPDATE runs SET reminders = \(outcome.reminders), suspensions = \(outcome.suspensions),
                terminations = \(outcome.terminations), finished_at = now()
            WHERE id = \(run)
            """)
    }
}
