import Foundation
import Hummingbird
import NIOHTTP1
import PortalTokens

/// How billing runs: its runs with their counts (and one started now), tax rates by country,
/// and the dunning calendar. Billing checks every change against the staff member's role.
struct BillingSetupConsoleController: Sendable {
    let pages: PageRenderer
    let apis: StaffAPIs
    let audit: AuditLog

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("billing") { _, context in try await page(context: context) }
        router.post("billing/runs", use: run)
        router.post("billing/tax-rates", use: setTaxRate)
        router.post("billing/cancellations/{id}/withdraw", use: withdrawCancellation)
    }

    /// Takes back a pending cancellation: the service renews as before.
    @Sendable func withdrawCancellation(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let id = try context.parameters.require("id", as: UUID.self)
        let reason = context.form.text("reason")
        guard (3...200).contains(reason.count) else {
            return try await page(
                errors: ["Give the reason (3 to 200 characters): it goes in the audit log."], context: context,
                status: .unprocessableContent)
        }
        do {
            try await apis.call(
                .billing, .DELETE, "/api/billing/subscriptions/\(id.uuidString.lowercased())/cancellation", body: nil,
                as: staff)
        } catch let error as ServiceCallError where (400..<500).contains(error.status) {
            return try await page(
                errors: [ConsoleText.refusal(error, by: staff, what: "withdraw cancellations")], context: context,
                status: error.status == 403 ? .forbidden : .conflict)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "cancellation.withdrawn",
            target: "subscription:\(id.uuidString.lowercased())", reason: reason,
            before: AuditEntry.json(["cancelling": true]), after: AuditEntry.json(["cancelling": false]))
        return try await page(notice: "The cancellation is withdrawn: the service renews as before.", context: context)
    }

    /// Runs invoicing and/or dunning for a day now, as the daily timer would.
    @Sendable func run(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let (date, kind) = (context.form.text("date"), context.form.text("kind"))
        guard ["all", "invoicing", "dunning"].contains(kind),
            date.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil
        else {
            return try await page(
                errors: ["Choose a day (yyyy-mm-dd) and what to run."], context: context, status: .unprocessableContent)
        }
        let result: [String: Any]
        do {
            result =
                try await apis.post(.billing, "/api/billing/runs", ["date": date, "kind": kind], as: staff)
                as? [String: Any] ?? [:]
        } catch let error as ServiceCallError where (400..<500).contains(error.status) {
            return try await page(
                errors: [ConsoleText.refusal(error, by: staff, what: "run billing")], context: context,
                status: error.status == 403 ? .forbidden : .conflict)
        }
        let invoicing = result["invoicing"] as? [String: Any] ?? [:]
        let dunning = result["dunning"] as? [String: Any] ?? [:]
        try await audit.record(
            by: staff, from: context.clientAddress, action: "billing.run", target: "run:\(date) \(kind)", reason: nil,
            before: nil, after: AuditEntry.json(result))
        let counts = [
            ("invoices", invoicing["invoices_created"]), ("charges", invoicing["charges_queued"]),
            ("reminders", dunning["reminders"]), ("suspensions", dunning["suspensions"]),
            ("terminations", dunning["terminations"]),
        ]
        .compactMap { name, value in (value as? Int).map { "\($0) \(name)" } }
        return try await page(
            notice: "Billing ran for \(date): \(counts.isEmpty ? "nothing to do" : counts.joined(separator: ", ")).",
            context: context)
    }

    @Sendable func setTaxRate(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let country = context.form.text("country").uppercased()
        let name = context.form.text("name").isEmpty ? "VAT" : context.form.text("name")
        var errors: [String] = []
        if country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) {
            errors.append("The country is two letters, such as DE.")
        }
        let percent = context.form.text("percent")
        // A rate of nothing is a rate too (exports, exempt services); minorUnits reads positive amounts only.
        let points =
            percent.allSatisfy { $0 == "0" || $0 == "." } && percent.first == "0"
            ? 0 : CatalogConsoleController.minorUnits(percent, currency: "USD")
        if points.map({ !(0...10_000).contains($0) }) ?? true {
            errors.append("The rate is a percentage from 0 to 100, such as 19 or 7.5.")
        }
        if name.count > 40 { errors.append("The name is at most 40 characters.") }
        guard errors.isEmpty, let points else {
            return try await page(errors: errors, context: context, status: .unprocessableContent)
        }
        let before = try await taxRates(as: staff).first { $0["country"] as? String == country }
        do {
            try await apis.call(
                .billing, .PUT, "/api/billing/tax-rates/\(country)", body: ["name": name, "basis_points": points],
                as: staff)
        } catch let error as ServiceCallError where (400..<500).contains(error.status) {
            return try await page(
                errors: [ConsoleText.refusal(error, by: staff, what: "change tax rates")], context: context,
                status: error.status == 403 ? .forbidden : .unprocessableContent)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "tax-rate.set", target: "country:\(country)", reason: nil,
            before: before.flatMap(AuditEntry.json),
            after: AuditEntry.json(["country": country, "name": name, "basis_points": points]))
        return try await page(
            notice: "\(country): \(name) \(Self.percent(points)) from the next invoice on.", context: context)
    }

    private func taxRates(as staff: StaffSession) async throws -> [[String: Any]] {
        try await apis.get(.billing, "/api/billing/tax-rates", as: staff) as? [[String: Any]] ?? []
    }

    private func page(
        errors: [String] = [], notice: String? = nil, context: ConsoleRequestContext,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        async let runs = apis.get(.billing, "/api/billing/runs?per_page=30", as: staff)
        async let rates = taxRates(as: staff)
        async let dunning = apis.get(.billing, "/api/billing/settings", as: staff)
        async let cancelling = apis.get(.billing, "/api/billing/subscriptions?cancelling=true&per_page=100", as: staff)
        let settings = try await dunning as? [String: Any] ?? [:]
        let runRows = (try await runs as? [[String: Any]] ?? []).map { run -> [String: Any] in
            var row = run
            // An invoicing run commits in batches: one still going (or stopped) says how far it got.
            let batches = run["batches"] as? Int ?? 0
            switch run["status"] as? String {
            case "running": row["finished"] = "running: \(batches) batches so far"
            case "interrupted": row["finished"] = "interrupted after \(batches) batches; the next run carries on"
            default: row["finished"] = ConsoleText.time(run["finished_at"])
            }
            return row
        }
        let rateRows = try await rates.map { rate -> [String: Any] in
            [
                "country": rate["country"] ?? "", "name": rate["name"] ?? "",
                "percent": Self.percent(rate["basis_points"] as? Int ?? 0),
            ]
        }
        let cancellations = (try await cancelling as? [[String: Any]] ?? []).map { subscription -> [String: Any] in
            [
                "id": (subscription["id"] as? String)?.lowercased() ?? "", "domain": subscription["domain"] ?? "—",
                "product": subscription["product_name"] ?? "", "status": subscription["status"] ?? "",
                "ends": subscription["cancel_on"] ?? "",
            ]
        }
        let retries = (settings["retry_days"] as? [Int] ?? []).map(String.init).joined(separator: ", ")
        let terminate = (settings["terminate_after_days"] as? Int).map { "\($0) days past due" } ?? "never"
        return pages.render(
            "console-billing",
            [
                "title": "Billing", "errors": errors, "notice": notice ?? "", "may_run": staff.role.may(.manageBilling),
                "runs": runRows, "no_runs": runRows.isEmpty, "cancellations": cancellations,
                "no_cancellations": cancellations.isEmpty, "rates": rateRows, "no_rates": rateRows.isEmpty,
                "today": String(
                    ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withFullDate])),
                "dunning": [
                    [
                        "what": "Invoice issued",
                        "when": "\(settings["invoice_days_before"] as? Int ?? 0) days before the due date",
                    ],
                    [
                        "what": "Reminder (no saved card)",
                        "when": "\(settings["reminder_days_before"] as? Int ?? 0) days before the due date",
                    ],
                    [
                        "what": "Declined charge tried again",
                        "when": retries.isEmpty ? "never" : "\(retries) days past due",
                    ],
                    ["what": "Account suspended", "when": "\(settings["grace_days"] as? Int ?? 0) days past due"],
                    ["what": "Account terminated", "when": terminate],
                ],
            ], context: context, status: status)
    }

    /// Basis points as a percentage: 1900 → "19%", 750 → "7.5%".
    static func percent(_ points: Int) -> String {
        let whole = "\(points / 100)"
        let fraction = String(format: "%02d", points % 100)
        let trimmed = fraction.hasSuffix("0") ? String(fraction.dropLast()) : fraction
        return whole + (trimmed.isEmpty || trimmed == "0" ? "" : "." + trimmed) + "%"
    }
}
