import Foundation
import Persistence
import PostgresNIO

/// The catalog: products and their prices.
struct ProductStore: Sendable {
    let database: Database

    /// Every product (or only those on sale) by slug, with its prices.
    func all(activeOnly: Bool) async throws -> [Product] {
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

    /// Takes a product off sale; `false` when there is no such product.
    func retire(_ id: UUID) async throws -> Bool {
        try await !database.query("UPDATE products SET active = false WHERE id = \(id) RETURNING id").isEmpty
    }

    /// The product's prices in `currency` become exactly `amounts` (cycle → minor units);
    /// `false` when there is no such product.
    func setPrices(of id: UUID, in currency: String, to amounts: [String: Int]) async throws -> Bool {
        try await database.transaction { connection in
            let found = try await connection.query(
                "SELECT 1 FROM products WHERE id = \(id) FOR UPDATE", logger: database.logger
            ).collect()
            guard !found.isEmpty else { return false }
            try await connection.query(
                "DELETE FROM prices WHERE product_id = \(id) AND currency = \(currency)", logger: database.logger)
            for (cycle, amount) in amounts.sorted(by: { $0.key < $1.key }) {
                try await connection.query(
                    """
                    INSERT INTO prices (product_id, billing_cycle, currency, amount) VALUES (\(id), \(cycle), \(currency), \(Int64(amount)))
                    """, logger: database.logger)
            }
            return true
        }
    }

    /// Adds `new` as product `id` with its prices; `false` when its slug is taken.
    func create(_ id: UUID, _ new: NewProduct) async throws -> Bool {
        let limits = String(decoding: try JSONEncoder().encode(new.limits ?? [:]), as: UTF8.self)
        return try await database.transaction { connection in
            let inserted = try await connection.query(
                """
                INSERT INTO products (id, slug, name, type, panel_plan, server_group, limits)
                VALUES (\(id), \(new.slug), \(new.name), \(new.type), \(new.panelPlan), \(new.serverGroup ?? "default"), \(limits)::jsonb)
                ON CONFLICT (slug) DO NOTHING RETURNING id
                """, logger: database.logger
            ).collect()
            guard !inserted.isEmpty else { return false }
            for price in new.prices {
                try await connection.query(
                    """
                    INSERT INTO prices (product_id, billing_cycle, currency, amount)
                    VALUES (\(id), \(price.billingCycle), \(price.currency), \(price.amount))
                    ON CONFLICT DO NOTHING
                    """, logger: database.logger)
            }
            return true
        }
    }
}
