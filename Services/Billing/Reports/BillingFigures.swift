import Foundation
import Persistence
import PostgresNIO

/// Billing's figures for operators: money by day, today so far, and the log of runs.
struct BillingFigures: Sendable {
    let database: Database

    /// One day's money in one currency.
    struct Day: Encodable, Sendable {
        let day: String, currency: String?, received: Int, refunded: Int
    }

    /// Today (UTC) so far.
    struct Today: Encodable, Sendable {
        let invoicesIssued: Int, payments: Int, declines: Int, suspensions: Int, terminations: Int,
            cancellationsEnded: Int
        let pendingCancellations: Int
        enum CodingKeys: String, CodingKey {
            case invoicesIssued = "invoices_issued"
            case payments, declines, suspensions, terminations
            case cancellationsEnded = "cancellations_ended"
            case pendingCancellations = "pending_cancellations"
        }
    }

    /// A billing run: finished, still running (its counts are what its committed batches did so
    /// far) or interrupted (its process stopped; the next run or its task carries on).
    struct Run: Encodable, Sendable {
        let id: Int64, kind: String, runDate: String, trigger: String, status: String
        let invoicesCreated: Int, subscriptionsInvoiced: Int, batches: Int, chargesQueued: Int
        let reminders: Int, suspensions: Int, terminations: Int
        let startedAt: Date, updatedAt: Date, finishedAt: Date?
        enum CodingKeys: String, CodingKey {
            case id, kind
            case runDate = "run_date"
            case trigger, status
            case invoicesCreated = "invoices_created"
            case subscriptionsInvoiced = "subscriptions_invoiced"
            case batches
            case chargesQueued = "charges_queued"
            case reminders, suspensions, terminations
            case startedAt = "started_at"
            case updatedAt = "updated_at"
            case finishedAt = "finished_at"
        }

        /// The statement that reads runs as `init(row:)` takes them (a constant: no input in it).
        static let columns = """
            SELECT id, kind, run_date::text AS run_date, trigger, invoices_created, subscriptions_invoiced, batches,
                   charges_queued, reminders, suspensions, terminations, started_at, updated_at, finished_at,
                   CASE WHEN finished_at IS NOT NULL THEN 'finished'
                        WHEN updated_at > now() - interval '2 minutes' THEN 'running' ELSE 'interrupted' END AS status
            FROM runs
            """

        init(row: PostgresRow) throws {
            let cells = row.makeRandomAccess()
            id = try cells["id"].decode(Int64.self)
            kind = try cells["kind"].decode(String.self)
            runDate = try cells["run_date"].decode(String.self)
            trigger = try cells["trigger"].decode(String.self)
            status = try cells["status"].decode(String.self)
            invoicesCreated = try cells["invoices_created"].decode(Int.self)
            subscriptionsInvoiced = try cells["subscriptions_invoiced"].decode(Int.self)
            batches = try cells["batches"].decode(Int.self)
            chargesQueued = try cells["charges_queued"].decode(Int.self)
            reminders = try cells["reminders"].decode(Int.self)
            suspensions = try cells["suspensions"].decode(Int.self)
            terminations = try cells["terminations"].decode(Int.self)
            startedAt = try cells["started_at"].decode(Date.self)
            updatedAt = try cells["updated_at"].decode(Date.self)
            finishedAt = try cells["finished_at"].decode(Date?.self)
        }
    }

    /// Per day (UTC) and currency: money received and refunded.
    func daily(_ window: StatsWindow) async throws -> [Day] {
        try await database.query(
            """
            WITH \(unescaped: window.daysSQL),
            moves AS (SELECT created_at AS at, currency, amount AS received, 0 AS refunded FROM payments
                      UNION ALL
                      SELECT r.created_at, p.currency, 0, r.amount FROM refunds r JOIN payments p ON p.id = r.payment_id)
            SELECT day::text, m.currency, coalesce(sum(m.received), 0)::int, coalesce(sum(m.refunded), 0)::int
            FROM days LEFT JOIN moves m ON m.at >= s AND m.at < s + interval '1 day'
            GROUP BY day, m.currency ORDER BY day, m.currency
            """
        ).map { row in
            let (day, currency, received, refunded) = try row.decode((String, String?, Int, Int).self)
            return Day(day: day, currency: currency, received: received, refunded: refunded)
        }
    }

    /// Today (UTC) so far, for the console's dashboard.
    func today() async throws -> Today {
        let rows = try await database.query(
            """
            WITH today AS (SELECT (now() AT TIME ZONE 'UTC')::date AS day, date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS since)
            SELECT (SELECT count(*) FROM invoices, today WHERE created_at >= since)::int,
                   (SELECT count(*) FROM payments, today WHERE created_at >= since)::int,
                   (SELECT count(*) FROM charge_attempts, today WHERE attempted_at >= since AND outcome = 'declined')::int,
                   (SELECT count(*) FROM dunning_actions, today WHERE taken_on = day AND action = 'suspend')::int,
                   (SELECT count(*) FROM dunning_actions, today WHERE taken_on = day AND action = 'terminate')::int,
                   (SELECT count(*) FROM subscriptions, today WHERE cancelled_at >= since)::int,
                   (SELECT count(*) FROM subscriptions WHERE cancel_on IS NOT NULL AND status IN ('active', 'suspended'))::int
            FROM today
            """)
        // A SELECT over a one-row CTE: one row.
        guard let row = rows.first else { throw NoFigures() }
        let (invoices, payments, declines, suspensions, terminations, ended, pending) = try row.decode(
            (Int, Int, Int, Int, Int, Int, Int).self)
        return Today(
            invoicesIssued: invoices, payments: payments, declines: declines, suspensions: suspensions,
            terminations: terminations, cancellationsEnded: ended, pendingCancellations: pending)
    }

    /// The runs, newest first.
    func runs(limit: Int, offset: Int) async throws -> [Run] {
        try await database.query(
            "\(unescaped: Run.columns) ORDER BY id DESC LIMIT \(limit) OFFSET \(offset)"
        ).map(Run.init(row:))
    }

    /// One run, `nil` when there is none.
    func run(_ id: Int64) async throws -> Run? {
        try await database.query("\(unescaped: Run.columns) WHERE id = \(id)").first.map(Run.init(row:))
    }

    /// The figures query returned no row.
    struct NoFigures: Error {}
}
