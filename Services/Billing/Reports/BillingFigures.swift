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

    /// A finished billing run.
    struct Run: Encodable, Sendable {
        let id: Int64, kind: String, runDate: String, trigger: String, invoicesCreated: Int, chargesQueued: Int
        let reminders: Int, suspensions: Int, terminations: Int, finishedAt: Date
        enum CodingKeys: String, CodingKey {
            case id, kind
            case runDate = "run_date"
            case trigger
            case invoicesCreated = "invoices_created"
            case chargesQueued = "charges_queued"
            case reminders, suspensions, terminations
            case finishedAt = "finished_at"
        }

        init(row: PostgresRow) throws {
            let cells = row.makeRandomAccess()
            id = try cells["id"].decode(Int64.self)
            kind = try cells["kind"].decode(String.self)
            runDate = try cells["run_date"].decode(String.self)
            trigger = try cells["trigger"].decode(String.self)
            invoicesCreated = try cells["invoices_created"].decode(Int.self)
            chargesQueued = try cells["charges_queued"].decode(Int.self)
            reminders = try cells["reminders"].decode(Int.self)
            suspensions = try cells["suspensions"].decode(Int.self)
            terminations = try cells["terminations"].decode(Int.self)
            finishedAt = try cells["finished_at"].decode(Date.self)
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
            """
            SELECT id, kind, run_date::text AS run_date, trigger, invoices_created, charges_queued, reminders, suspensions,
                   terminations, finished_at
            FROM runs ORDER BY id DESC LIMIT \(limit) OFFSET \(offset)
            """
        ).map(Run.init(row:))
    }

    /// The figures query returned no row.
    struct NoFigures: Error {}
}
