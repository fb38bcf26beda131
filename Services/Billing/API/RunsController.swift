import Foundation
import Hummingbird
import Messaging
import Persistence
import PostgresNIO
import ServiceRuntime

/// Billing runs on demand ("run billing now" for a given day), their log, tax rates and a
/// customer's country.
struct RunsController: Sendable {
    let dependencies: ServiceDependencies
    let settings: BillingSettings

    struct RunRequest: Decodable {
        /// `yyyy-MM-dd`.
        let date: String
        /// `invoicing`, `dunning` or `all` (the default).
        let kind: String?
    }

    struct RunResult: Encodable {
        let date: String
        var invoicing: Invoicing.Outcome?
        var dunning: Dunning.Outcome?
    }

    struct Run: Encodable {
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
    }

    struct TaxRate: Codable {
        let country: String?
        let name: String?
        let basisPoints: Int
        enum CodingKeys: String, CodingKey {
            case country, name
            case basisPoints = "basis_points"
        }
    }

    struct CustomerPatch: Decodable { let country: String? }

    /// The dunning calendar billing runs by, set in its environment (`HOSTWIRE_BILLING_*`).
    struct DunningSettings: Encodable {
        let invoiceDaysBefore: Int, reminderDaysBefore: Int, retryDays: [Int], graceDays: Int, terminateAfterDays: Int?
        enum CodingKeys: String, CodingKey {
            case invoiceDaysBefore = "invoice_days_before"
            case reminderDaysBefore = "reminder_days_before"
            case retryDays = "retry_days"
            case graceDays = "grace_days"
            case terminateAfterDays = "terminate_after_days"
        }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        let (database, store, logger) = (dependencies.database, dependencies.store, dependencies.logger)
        api.post("runs") { request, _ in
            let body = try await APIResponse.decode(RunRequest.self, from: request)
            guard let day = BillingDay(parsing: body.date) else {
                throw APIError.invalid("date", "date is a day, yyyy-MM-dd")
            }
            // A run invoices and charges everything due by its day: tomorrow at most (a run just
            // before midnight UTC), never periods that have not begun.
            let latest = BillingDay(Date().addingTimeInterval(86_400))
            guard day.description <= latest.description else {
                throw APIError.conflict("date_in_future", "billing can run for \(latest) at the latest, not \(day)")
            }
            let kind = body.kind ?? "all"
            guard ["invoicing", "dunning", "all"].contains(kind) else {
                throw APIError.invalid("kind", "kind is invoicing, dunning or all")
            }
            let result = try await store.transaction { transaction in
                var result = RunResult(date: day.description)
                if kind != "dunning" {
                    result.invoicing = try await Invoicing(settings: settings).run(
                        on: day, trigger: "api", in: transaction)
                }
                if kind != "invoicing" {
                    result.dunning = try await Dunning(settings: settings).run(on: day, trigger: "api", in: transaction)
                }
                return result
            }
            return APIResponse.json(result)
        }
        // Per day (UTC) and currency: money received and refunded.
        api.get("stats/daily") { request, _ in
            struct Day: Encodable { let day: String, currency: String?, received: Int, refunded: Int }
            let window = try StatsWindow(request)
            return APIResponse.json(
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
                })
        }
        // Today (UTC) so far, for the console's dashboard.
        api.get("stats/today") { _, _ in
            struct Today: Encodable {
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
            guard
                let row = try await database.query(
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
                    """
                ).first
            else { throw APIError(.internalServerError, code: "no_figures", "the figures query returned no row") }
            let (invoices, payments, declines, suspensions, terminations, ended, pending) = try row.decode(
                (Int, Int, Int, Int, Int, Int, Int).self)
            return APIResponse.json(
                Today(
                    invoicesIssued: invoices, payments: payments, declines: declines, suspensions: suspensions,
                    terminations: terminations, cancellationsEnded: ended, pendingCancellations: pending))
        }
        api.get("runs") { request, _ in
            let paging = try Paging(request)
            return APIResponse.json(
                try await database.query(
                    """
                    SELECT id, kind, run_date::text, trigger, invoices_created, charges_queued, reminders, suspensions, terminations, finished_at
                    FROM runs ORDER BY id DESC LIMIT \(paging.perPage) OFFSET \(paging.offset)
                    """
                ).map { row in
                    let (id, kind, date, trigger, invoices, charges, reminders, suspensions, terminations, finished) =
                        try row.decode((Int64, String, String, String, Int, Int, Int, Int, Int, Date).self)
                    return Run(
                        id: id, kind: kind, runDate: date, trigger: trigger, invoicesCreated: invoices,
                        chargesQueued: charges,
                        reminders: reminders, suspensions: suspensions, terminations: terminations, finishedAt: finished
                    )
                })
        }
        api.get("settings") { _, _ in
            APIResponse.json(
                DunningSettings(
                    invoiceDaysBefore: settings.invoiceDaysBefore, reminderDaysBefore: settings.reminderDaysBefore,
                    retryDays: settings.retryDays, graceDays: settings.graceDays,
                    terminateAfterDays: settings.terminateAfterDays))
        }
        api.get("tax-rates") { _, _ in
            APIResponse.json(
                try await database.query("SELECT country, name, basis_points FROM tax_rates ORDER BY country").map {
                    row in
                    let (country, name, points) = try row.decode((String, String, Int).self)
                    return TaxRate(country: country, name: name, basisPoints: points)
                })
        }
        api.put("tax-rates/{country}") { request, context in
            let country = try context.parameters.require("country")
            guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw APIError.invalid("country", "country is an ISO 3166-1 alpha-2 code, such as DE")
            }
            let body = try await APIResponse.decode(TaxRate.self, from: request)
            guard (0...10_000).contains(body.basisPoints) else {
                throw APIError.invalid("basis_points", "basis_points is 0 to 10000 (19% is 1900)")
            }
            let name = body.name ?? "VAT"
            try await database.transaction { connection in
                try await connection.query(
                    """
                    INSERT INTO tax_rates (country, name, basis_points) VALUES (\(country), \(name), \(body.basisPoints))
                    ON CONFLICT (country) DO UPDATE SET name = excluded.name, basis_points = excluded.basis_points
                    """, logger: logger)
            }
            return APIResponse.json(TaxRate(country: country, name: name, basisPoints: body.basisPoints))
        }
        api.patch("customers/{id}") { request, context in
            let id = try context.parameters.require("id", as: UUID.self)
            let body = try await APIResponse.decode(CustomerPatch.self, from: request)
            if let country = body.country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isUppercase }) {
                throw APIError.invalid("country", "country is an ISO 3166-1 alpha-2 code, such as DE")
            }
            let updated = try await database.transaction { connection in
                try await connection.query(
                    """
                    UPDATE customers SET country = \(body.country), updated_at = now() WHERE id = \(id) RETURNING id
                    """, logger: logger
                ).collect().count
            }
            guard updated == 1 else { throw APIError.notFound("customer") }
            return Response(status: .noContent)
        }
    }
}
