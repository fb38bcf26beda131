import Foundation
import Hummingbird
import Money
import NIOHTTP1
import PortalTokens

/// What the storefront sells: the hosting products with their prices, a new one added, one
/// retired (kept for the orders and subscriptions that name it). Owners and admins only,
/// as checkout enforces.
struct CatalogConsoleController: Sendable {
    let pages: PageRenderer
    let apis: StaffAPIs
    let audit: AuditLog

    static let cycles = ["monthly", "quarterly", "semi-annual", "annual"]

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("catalog") { _, context in try await page(context: context) }
        router.post("catalog", use: create)
        router.post("catalog/{id}/retire", use: retire)
        router.post("catalog/{id}/prices", use: setPrices)
    }

    @Sendable func create(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let form = context.form
        let currency = form.text("currency").uppercased()
        var errors: [String] = []
        if currency.count != 3 || !currency.allSatisfy({ $0.isASCII && $0.isLetter }) {
            errors.append("The currency is three letters, such as USD.")
        }
        var prices: [[String: Any]] = []
        for cycle in Self.cycles where !form.text("price-\(cycle)").isEmpty {
            guard let minor = Self.minorUnits(form.text("price-\(cycle)"), currency: currency) else {
                errors.append("The \(cycle) price is an amount such as 4.99.")
                continue
            }
            prices.append(["billing_cycle": cycle, "currency": currency, "amount": minor])
        }
        if prices.isEmpty { errors.append("Give at least one price.") }
        guard errors.isEmpty else {
            return try await page(errors: errors, context: context, status: .unprocessableContent)
        }
        let body: [String: Any] = [
            "slug": form.text("slug"), "name": form.text("name"), "type": "hosting",
            "panel_plan": form.text("panel_plan"),
            "server_group": form.text("server_group").isEmpty ? "default" : form.text("server_group"),
            "prices": prices,
        ]
        let created: [String: Any]
        do {
            created =
                try await apis.post(.checkout, "/api/catalog/admin/products", body, as: staff) as? [String: Any] ?? [:]
        } catch let error as ServiceCallError where error.status == 403 {
            return try await page(
                errors: ["Your role (\(staff.role.rawValue)) may not change the catalog."], context: context,
                status: .forbidden)
        } catch let error as ServiceCallError where (400..<500).contains(error.status) {
            return try await page(
                errors: [error.message ?? "Checkout refused the product."], context: context,
                status: .unprocessableContent)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "product.created",
            target: "product:\((created["id"] as? String)?.lowercased() ?? "") \(form.text("slug"))", reason: nil,
            before: nil, after: AuditEntry.json(body))
        return try await page(notice: "\(form.text("name")) is on sale now.", context: context)
    }

    /// New prices for one currency: for new orders; orders and subscriptions made before keep theirs.
    @Sendable func setPrices(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let id = try context.parameters.require("id", as: UUID.self)
        let currency = context.form.text("currency").uppercased()
        var errors: [String] = []
        var amounts: [String: Int] = [:]
        if currency.count != 3 || !currency.allSatisfy({ $0.isASCII && $0.isLetter }) {
            errors.append("The currency is three letters, such as USD.")
        }
        for cycle in Self.cycles where !context.form.text("amount-\(cycle)").isEmpty {
            guard let minor = Self.minorUnits(context.form.text("amount-\(cycle)"), currency: currency) else {
                errors.append("The \(cycle) price is an amount such as 4.99.")
                continue
            }
            amounts[cycle] = minor
        }
        if amounts.isEmpty { errors.append("Give at least one price; to stop selling the product, retire it.") }
        guard errors.isEmpty else {
            return try await page(errors: errors, context: context, status: .unprocessableContent)
        }
        let path = "/api/catalog/products/\(id.uuidString.lowercased())"
        let before =
            (try await apis.get(.checkout, path, as: staff) as? [String: Any])?["prices"] as? [[String: Any]] ?? []
        do {
            try await apis.call(
                .checkout, .PUT, "/api/catalog/admin/products/\(id.uuidString.lowercased())/prices/\(currency)",
                body: amounts, as: staff)
        } catch let error as ServiceCallError where (400..<500).contains(error.status) {
            return try await page(
                errors: [ConsoleText.refusal(error, by: staff, what: "change the catalog")], context: context,
                status: error.status == 403 ? .forbidden : .unprocessableContent)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "product.prices-set",
            target: "product:\(id.uuidString.lowercased()) \(currency)",
            reason: nil, before: AuditEntry.json(["prices": before.filter { $0["currency"] as? String == currency }]),
            after: AuditEntry.json(["prices": amounts]))
        return try await page(
            notice: "New \(currency) prices are in the storefront; existing subscriptions keep theirs.",
            context: context)
    }

    @Sendable func retire(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let id = try context.parameters.require("id", as: UUID.self)
        guard context.form["confirm-\(id.uuidString.lowercased())"] == "yes" else {
            return try await page(
                errors: ["Tick the box to confirm: the product leaves the storefront."], context: context,
                status: .unprocessableContent)
        }
        do {
            try await apis.call(
                .checkout, .DELETE, "/api/catalog/admin/products/\(id.uuidString.lowercased())", body: nil, as: staff)
        } catch let error as ServiceCallError where error.status == 403 {
            return try await page(
                errors: ["Your role (\(staff.role.rawValue)) may not change the catalog."], context: context,
                status: .forbidden)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "product.retired",
            target: "product:\(id.uuidString.lowercased())",
            reason: nil, before: AuditEntry.json(["active": true]), after: AuditEntry.json(["active": false]))
        return try await page(
            notice: "The product is retired: no new orders; existing subscriptions go on.", context: context)
    }

    private func page(
        errors: [String] = [], notice: String? = nil, context: ConsoleRequestContext,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let products = try await apis.get(.checkout, "/api/catalog/products", as: staff) as? [[String: Any]] ?? []
        return pages.render(
            "console-catalog",
            [
                "title": "Catalog", "errors": errors, "notice": notice ?? "",
                "may_configure": staff.role.may(.configure),
                "empty": products.isEmpty, "cycles": Self.cycles.map { ["cycle": $0] },
                "products": products.map { product in
                    [
                        "id": (product["id"] as? String)?.lowercased() ?? "", "name": product["name"] ?? "",
                        "slug": product["slug"] ?? "",
                        "plan": product["panel_plan"] ?? "", "group": product["server_group"] ?? "",
                        "prices": (product["prices"] as? [[String: Any]] ?? []).map { price in
                            "\(MoneyText.format(price["amount"] as? Int ?? 0, price["currency"] as? String ?? "USD")) \(price["billing_cycle"] ?? "")"
                        }.joined(separator: " · "),
                        "currencies": Self.priceForms(product["prices"] as? [[String: Any]] ?? []),
                    ] as [String: Any]
                },
            ], context: context, status: status)
    }

    /// A price form per currency the product is sold in, each cycle's field filled with its price.
    static func priceForms(_ prices: [[String: Any]]) -> [[String: Any]] {
        let byCurrency = Dictionary(grouping: prices) { $0["currency"] as? String ?? "" }
        return byCurrency.keys.sorted().map { currency in
            let amounts = Dictionary(
                byCurrency[currency, default: []].map {
                    ($0["billing_cycle"] as? String ?? "", $0["amount"] as? Int ?? 0)
                }
            ) { $1 }
            return [
                "currency": currency,
                "fields": cycles.map { cycle in
                    ["cycle": cycle, "value": amounts[cycle].map { MoneyText.decimal($0, currency) } ?? ""]
                },
            ]
        }
    }

    /// `4.99` in `currency`'s minor units (499), if it is such an amount.
    static func minorUnits(_ text: String, currency: String) -> Int? {
        let places = MoneyText.decimals[currency, default: 2]
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            !parts[0].isEmpty, parts[0].count <= 7, let whole = Int(parts[0])
        else { return nil }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= places else { return nil }
        var unit = 1
        for _ in 0..<places { unit *= 10 }
        let minor = whole * unit + (Int(fraction.padding(toLength: places, withPad: "0", startingAt: 0)) ?? 0)
        return minor > 0 ? minor : nil
    }
}
