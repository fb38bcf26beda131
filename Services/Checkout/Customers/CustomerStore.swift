import Foundation
import Persistence
import PostgresNIO

/// Checkout's customers, by email (orders add theirs in ``OrderStore``).
struct CustomerStore: Sendable {
    let database: Database

    /// The customer of `email`, made with `name` if that email never ordered. The name an
    /// order gave stays: it may be what the invoices already carry.
    func link(_ email: String, name: String) async throws -> UUID {
        let row = try await database.query(
            """
            INSERT INTO customers (id, email, name) VALUES (\(UUID()), \(email.lowercased()), \(name))
            ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id
            """
        ).first
        // An upsert always returns its row.
        guard let id = try row?.decode(UUID.self) else { throw NoRowReturned() }
        return id
    }
}

/// A statement that must return a row returned none.
struct NoRowReturned: Error {}
