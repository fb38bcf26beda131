import Contracts
import Foundation
import Persistence
import PostgresNIO
import ServiceKit

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

    /// What changing a customer's email did.
    enum EmailChange: Sendable {
        /// Changed from `previous`; `paymentCustomer` is the provider's copy to update.
        case changed(previous: String, name: String, paymentCustomer: String?)
        /// The customer has that address already.
        case unchanged
        /// Another customer has that address.
        case taken
    }

    /// Moves `customer` to `email` (lower-cased): their orders and invoices follow the id, not the address.
    static func changeEmail(of customer: UUID, to email: String, in transaction: Transaction) async throws
        -> EmailChange
    {
        let email = email.lowercased()
        guard
            let row = try await transaction.query(
                "SELECT email, name, payment_customer FROM customers WHERE id = \(customer) FOR UPDATE"
            ).first
        else { throw NoRowReturned() }
        let (previous, name, paymentCustomer) = try row.decode((String, String, String?).self)
        if previous == email { return .unchanged }
        guard try await transaction.query("SELECT 1 FROM customers WHERE email = \(email)").isEmpty else {
            return .taken
        }
        do {
            _ = try await transaction.query("UPDATE customers SET email = \(email) WHERE id = \(customer)")
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            return .taken
        }
        return .changed(previous: previous, name: name, paymentCustomer: paymentCustomer)
    }

    /// Forgets who `customer` was (their orders keep the id); returns the provider's customer
    /// to delete, if any. `nil` also for a customer checkout does not know.
    static func erase(_ customer: UUID, in transaction: Transaction) async throws -> String? {
        try await transaction.query(
            """
            WITH old AS (SELECT payment_customer FROM customers WHERE id = \(customer) FOR UPDATE)
            UPDATE customers c SET email = \(CustomerErased.placeholderEmail(for: customer)), name = 'Erased customer',
                company = NULL, country = NULL, vat_id = NULL, payment_customer = NULL
            FROM old WHERE c.id = \(customer)
            RETURNING old.payment_customer
            """
        ).first?.decode(String?.self) ?? nil
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
