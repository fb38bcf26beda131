import Logging
import PostgresNIO
import ServiceKit

/// The `runs` table's statements. A run's row is written before its work so that a timer slot runs each
/// kind once a day: the unique index on timer runs turns a second `timer.fired` for the
/// same slot (republished, or from a second timer) into nothing. An invoicing run counts each
/// committed batch, so its row shows its progress while it runs.
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

    /// Counts what one committed batch of an invoicing run issued.
    static func progress(_ run: Int64, invoices: Int, subscriptions: Int, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            UPDATE runs SET invoices_created = invoices_created + \(invoices),
                subscriptions_invoiced = subscriptions_invoiced + \(subscriptions), batches = batches + 1, updated_at = now()
            WHERE id = \(run)
            """)
    }

    /// Counts the charges one committed batch of an invoicing run queued.
    static func progress(_ run: Int64, charges: Int, in transaction: Transaction) async throws {
        try await transaction.query(
            "UPDATE runs SET charges_queued = charges_queued + \(charges), updated_at = now() WHERE id = \(run)")
    }

    /// Marks an invoicing run finished; answers what it did, over all its batches.
    static func finish(_ run: Int64, in transaction: Transaction) async throws -> Invoicing.Outcome {
        let row = try await transaction.query(
            """
            UPDATE runs SET finished_at = coalesce(finished_at, now()), updated_at = now() WHERE id = \(run)
            RETURNING invoices_created, subscriptions_invoiced, charges_queued, batches
            """
        ).first
        guard let (invoices, subscriptions, charges, batches) = try row?.decode((Int, Int, Int, Int).self) else {
            return Invoicing.Outcome()
        }
        return Invoicing.Outcome(
            runID: run, invoicesCreated: invoices, subscriptionsInvoiced: subscriptions, chargesQueued: charges,
            batches: batches)
    }

    /// Records what a dunning run did.
    static func finish(_ run: Int64, dunning outcome: Dunning.Outcome, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            UPDATE runs SET reminders = \(outcome.reminders), suspensions = \(outcome.suspensions),
                terminations = \(outcome.terminations), finished_at = now(), updated_at = now()
            WHERE id = \(run)
            """)
    }
}
