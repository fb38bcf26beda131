import Foundation
import HTTPSupport
import Hummingbird
import Persistence
import ServiceKit

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
        let (database, store) = (dependencies.database, dependencies.store)
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
            // Invoicing commits batch by batch (its progress shows in GET runs/{id} meanwhile),
            // dunning in one transaction after it.
            var result = RunResult(date: day.description)
            if kind != "dunning" {
                result.invoicing = try await Invoicing(settings: settings).run(on: day, trigger: "api", store: store)
            }
            if kind != "invoicing" {
                result.dunning = try await store.transaction { transaction in
                    try await Dunning(settings: settings).run(on: day, trigger: "api", in: transaction)
                }
            }
            return APIResponse.json(result)
        }
        let figures = BillingFigures(database: database)
        // Per day (UTC) and currency: money received and refunded.
        api.get("stats/daily") { request, _ in APIResponse.json(try await figures.daily(try StatsWindow(request))) }
        // Today (UTC) so far, for the console's dashboard.
        api.get("stats/today") { _, _ in APIResponse.json(try await figures.today()) }
        api.get("runs") { request, _ in
            let paging = try Paging(request)
            return APIResponse.json(try await figures.runs(limit: paging.perPage, offset: paging.offset))
        }
        api.get("runs/{id}") { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            guard let run = try await figures.run(id) else { throw APIError.notFound("run") }
            return APIResponse.json(run)
        }
        api.get("settings") { _, _ in
            APIResponse.json(
                DunningSettings(
                    invoiceDaysBefore: settings.invoiceDaysBefore, reminderDaysBefore: settings.reminderDaysBefore,
                    retryDays: settings.retryDays, graceDays: settings.graceDays,
                    terminateAfterDays: settings.terminateAfterDays))
        }
        let taxes = TaxRates(database: database)
        api.get("tax-rates") { _, _ in APIResponse.json(try await taxes.all()) }
        api.put("tax-rates/{country}") { request, context in
            let country = try context.parameters.require("country")
            guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw APIError.invalid("country", "country is an ISO 3166-1 alpha-2 code, such as DE")
            }
            let body = try await APIResponse.decode(TaxRates.Rate.self, from: request)
            guard (0...10_000).contains(body.basisPoints) else {
                throw APIError.invalid("basis_points", "basis_points is 0 to 10000 (19% is 1900)")
            }
            let name = body.name ?? "VAT"
            try await dependencies.store.transaction { transaction in
                try await TaxRates.set(country, name: name, basisPoints: body.basisPoints, in: transaction)
            }
            return APIResponse.json(TaxRates.Rate(country: country, name: name, basisPoints: body.basisPoints))
        }
        api.patch("customers/{id}") { request, context in
            let id = try context.parameters.require("id", as: UUID.self)
            let body = try await APIResponse.decode(CustomerPatch.self, from: request)
            if let country = body.country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isUppercase }) {
                throw APIError.invalid("country", "country is an ISO 3166-1 alpha-2 code, such as DE")
            }
            guard
                try await CustomerStore.setCountry(
                    body.country, seller: settings.sellerCountry, of: id, on: database)
            else {
                throw APIError.notFound("customer")
            }
            return Response(status: .noContent)
        }
    }
}
