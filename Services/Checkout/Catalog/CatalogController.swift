import Foundation
import Hummingbird
import Persistence
import PostgresNIO
import ServiceRuntime

/// `GET /api/catalog/products` for the storefront; creating and retiring products for admins.
struct CatalogController: Sendable {
    let database: Database
    /// Authenticates the admin routes (``BearerAuthMiddleware``).
    let admin: BearerAuthMiddleware

    func addRoutes(to router: Router<ServiceRequestContext>) {
        router.get("api/catalog/products") { _, _ in APIResponse.json(try await products(activeOnly: true)) }
        router.get("api/catalog/products/{id}") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard let product = try await products(activeOnly: false).first(where: { $0.id == id }) else {
                throw APIError.notFound("product")
            }
            return APIResponse.json(product)
        }
        let admin = router.group("api/catalog/admin").add(middleware: admin)
        admin.post("products") { request, _ in try await create(APIResponse.decode(NewProduct.self, from: request)) }
        admin.delete("products/{id}") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            let rows = try await database.query("UPDATE products SET active = false WHERE id = \(id) RETURNING id")
            guard !rows.isEmpty else { throw APIError.notFound("product") }
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
        try await database.transaction { connection in
            let found = try await connection.query(
                "SELECT 1 FROM products WHERE id = \(id) FOR UPDATE", logger: database.logger
            ).collect()
            guard !found.isEmpty else { throw APIError.notFound("product") }
            try await connection.query(
                "DELETE FROM prices WHERE product_id = \(id) AND currency = \(currency)", logger: database.logger)
            for (cycle, amount) in amounts.sorted(by: { $0.key < $1.key }) {
                try await connection.query(
                    """
                    INSERT INTO prices (product_id, billing_cycle, currency, amount) VALUES (\(id), \(cycle), \(currency), \(Int64(amount)))
                    """, logger: database.logger)
            }
        }
        return APIResponse.json(try await products(activeOnly: false).first { $0.id == id })
    }

    struct NewProduct: Decodable {
        let slug: String
        let name: String
        let type: String
        let panelPlan: String?
        let serverGroup: String?
        let limits: [String: Int]?
        let prices: [Price]

        enum CodingKeys: String, CodingKey {
            case slug, name, type
            case panelPlan = "panel_plan"
            case serverGroup = "server_group"
            case limits, prices
        }
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
        let limits = String(decoding: try JSONEncoder().encode(new.limits ?? [:]), as: UTF8.self)
        try await database.transaction { connection in
            let inserted = try await connection.query(
                """
                INSERT INTO products (id, slug, name, type, panel_plan, server_group, limits)
                VALUES (\(id), \(new.slug), \(new.name), \(new.type), \(new.panelPlan), \(new.serverGroup ?? "default"), \(limits)::jsonb)
                ON CONFLICT (slug) DO NOTHING RETURNING id
                """, logger: database.logger
            ).collect()
            guard !inserted.isEmpty else {
                throw APIError.conflict("slug_taken", "a product with slug \(new.slug) exists")
            }
            for price in new.prices {
                try await connection.query(
                    """
                    INSERT INTO prices (product_id, billing_cycle, currency, amount)
                    VALUES (\(id), \(price.billingCycle), \(price.currency), \(price.amount))
                    ON CONFLICT DO NOTHING
                    """, logger: database.logger)
            }
        }
        return APIResponse.json(try await products(activeOnly: false).first { $0.id == id }, status: .created)
    }

    func products(activeOnly: Bool) async throws -> [Product] {
        let rows = try await database.query(
            """
            SELECT p.id, p.slug, p.name, p.type, p.panel_plan, p.server_group, p.limits::text, p.active,
                   coalesce(json_agg(json_build_object('billing_cycle', pr.billing_cycle, 'currency', pr.currency,
                            'amount', pr.amount) ORDER BY pr.currency, pr.amount) FILTER (WHERE pr.product_id IS NOT NULL), '[]')::text
            FROM products p LEFT JOIN prices pr ON pr.product_id = p.id
            WHERE p.active OR NOT \(activeOnly)
            GROUP BY p.id ORDER BY p.slug
            """)
        return try rows.map { row in
            let (id, slug, name, type, plan, group, limits, active, prices) =
                try row.decode((UUID, String, String, String, String?, String?, String, Bool, String).self)
            return Product(
                id: id, slug: slug, name: name, type: type, panelPlan: plan, serverGroup: group,
                limits: (try? JSONDecoder().decode([String: Int].self, from: Data(limits.utf8))) ?? [:],
                active: active, prices: try JSONDecoder().decode([Price].self, from: Data(prices.utf8)))
        }
    }
}
