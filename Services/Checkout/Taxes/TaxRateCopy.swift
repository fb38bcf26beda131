import Contracts
import PostgresNIO
import ServiceKit

/// Checkout's copy of billing's tax rates — `tax_rates`: every statement that writes it.
/// Orders are taxed from it in their own statement (``OrderStore/InsertOrder``).
enum TaxRateCopy {
    static func register(in definition: inout ServiceDefinition) {
        definition.handlers.on(TaxRateChanged.self) { event, transaction in
            try await transaction.query(
                """
                INSERT INTO tax_rates (country, name, basis_points) VALUES (\(event.country), \(event.name), \(event.basisPoints))
                ON CONFLICT (country) DO UPDATE SET name = excluded.name, basis_points = excluded.basis_points
                """)
        }
    }
}
