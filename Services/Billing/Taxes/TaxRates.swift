import Contracts
import Foundation
import Persistence
import PostgresNIO
import ServiceKit

/// The tax rate of each country (`tax_rates`); invoicing reads it with the customer's country.
struct TaxRates: Sendable {
    let database: Database

    /// A country's rate.
    struct Rate: Codable, Sendable {
        let country: String?
        let name: String?
        let basisPoints: Int
        enum CodingKeys: String, CodingKey {
            case country, name
            case basisPoints = "basis_points"
        }
    }

    /// Every country's rate, by country.
    func all() async throws -> [Rate] {
        try await database.query("SELECT country, name, basis_points FROM tax_rates ORDER BY country").map { row in
            let (country, name, points) = try row.decode((String, String, Int).self)
            return Rate(country: country, name: name, basisPoints: points)
        }
    }

    /// Sets `country`'s rate for invoices issued from now on, and tells checkout, which taxes
    /// orders from its copy.
    static func set(_ country: String, name: String, basisPoints: Int, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            INSERT INTO tax_rates (country, name, basis_points) VALUES (\(country), \(name), \(basisPoints))
            ON CONFLICT (country) DO UPDATE SET name = excluded.name, basis_points = excluded.basis_points
            """)
        try await transaction.publish(TaxRateChanged(country: country, name: name, basisPoints: basisPoints))
    }
}
