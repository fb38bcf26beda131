import Foundation
import Persistence
import PostgresNIO

/// Checkout's customers, by email. Placing an order adds its customer in the same statement
/// as the order (``OrderStore/InsertOrder``: one round trip on the order path).
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

    /// Stores the provider's customer unless one is stored already; returns the stored one.
    func setPaymentCustomer(_ reference: String, of customer: UUID) async throws -> String {
        let rows = try await database.run(SetPaymentCustomer(reference: reference, customerID: customer))
        return try rows.first?.decode(String.self) ?? reference
    }
}

extension CustomerStore {
    /// Stores the provider's customer unless one is stored; returns the stored one.
    struct SetPaymentCustomer: PreparedStatement {
        static let sql = Self(reference: "", customerID: UUID()).query.sql
        var reference: String
        var customerID: UUID

        var query: PostgresQuery {
            """
            UPDATE customers SET payment_customer = coalesce(payment_customer, \(reference)) WHERE id = \(customerID)
            RETURNING payment_customer
            """
        }
    }
}

/// A statement that must return a row returned none.
struct NoRowReturned: Error {}
