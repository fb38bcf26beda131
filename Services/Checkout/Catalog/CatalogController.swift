import Foundation
import HTTPSupport
import Hummingbird

/// `GET /api/catalog/products` for the storefront; creating and retiring products for admins.
struct CatalogController: Sendable {
    let products: ProductStore
    /// Authenticates the admin routes (``BearerAuthMiddleware``).
    let admin: BearerAuthMiddleware

    func addRoutes(to router: Router<ServiceRequestContext>) {
        router.get("api/catalog/products") { _, _ in APIResponse.json(try await products.all(activeOnly: true)) }
        router.get("api/catalog/products/{id}") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard let product = try await products.all(activeOnly: false).first(where: { $0.id == id }) else {
                throw APIError.notFound("product")
            }
            return APIResponse.json(product)
        }
        let admin = router.group("api/catalog/admin").add(middleware: admin)
        admin.post("products") { request, _ in try await create(APIResponse.decode(NewProduct.self, from: request)) }
        admin.delete("products/{id}") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard try await products.retire(id) else { throw APIError.notFound("product") }
            return Response(status: .noContent)
        }
        admin.put("products/{id}/prices/{currency}") { request, context in
            let id = try context.parameters.require("id", as: UUID.self)
            let currency = try context.parameters.require("currency")
            return try await setPrices(of: id, in: currency, to: APIResponse.decode([String: Int].self, from: request))
        }
    }

    /// The product's prices in one currency become exactly `amounts` (cycle → minor units): a
    /// cycle left out is no longer sold in it. Orders placed before keep the price they were
    /// placed at, and so do their subscriptions.
    private func setPrices(of id: UUID, in currency: String, to amounts: [String: Int]) async throws -> Response {
        guard currency.range(of: "^[A-Z]{3}$", options: .regularExpression) != nil else {
            throw APIError.invalid("currency", "currency is an ISO 4217 code in capitals")
        }
        for (cycle, amount) in amounts {
            guard BillingCycle.all.contains(cycle) else {
                throw APIError.invalid(
                    "prices", "each key is a billing cycle: monthly, quarterly, semi-annual or annual")
            }
            guard (1...1_000_000_000_000).contains(amount) else {
                throw APIError.invalid("prices", "an amount is a positive integer of minor units")
            }
        }
        guard try await products.setPrices(of: id, in: currency, to: amounts) else {
            throw APIError.notFound("product")
        }
        return APIResponse.json(try await products.all(activeOnly: false).first { $0.id == id })
    }

    private func create(_ new: NewProduct) async throws -> Response {
        guard new.slug.range(of: "^[a-z0-9][a-z0-9-]{0,62}$", options: .regularExpression) != nil else {
            throw APIError.invalid("slug", "slug is 1–63 lower-case letters, digits and hyphens")
        }
        guard !new.name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError.invalid("name", "name is required")
        }
        guard let type = ProductType(rawValue: new.type) else {
            throw APIError.invalid("type", "type is hosting, vps or domain")
        }
        guard type.isDeliverable else {
            throw APIError.invalid(
                "type", "\(type.rawValue) products cannot be sold yet: nothing provisions them (hosting can be)")
        }
        if new.type == "hosting" && (new.panelPlan ?? "").isEmpty {
            throw APIError.invalid("panel_plan", "a hosting product needs the control panel plan it is created with")
        }
        guard !new.prices.isEmpty else { throw APIError.invalid("prices", "a product needs at least one price") }
        for price in new.prices {
            guard BillingCycle.all.contains(price.billingCycle) else {
                throw APIError.invalid("prices", "billing_cycle is monthly, quarterly, semi-annual or annual")
            }
            guard price.currency.range(of: "^[A-Z]{3}$", options: .regularExpression) != nil else {
                throw APIError.invalid("prices", "currency is an ISO 4217 code in capitals")
            }
            guard price.amount > 0 else {
                throw APIError.invalid("prices", "amount is a positive integer of minor units")
            }
        }
        let id = UUID()
        guard try await products.create(id, new) else {
            throw APIError.conflict("slug_taken", "a product with slug \(new.slug) exists")
        }
        return APIResponse.json(try await products.all(activeOnly: false).first { $0.id == id }, status: .created)
    }
}
