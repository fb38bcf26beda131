import Foundation
import Payments
import Persistence
import PostgresNIO
import ServiceKit

/// Billing's customers at the payment provider.
struct PaymentCustomers: Sendable {
    let database: Database
    let gateway: any PaymentGateway

    /// The provider's customer, created once per customer (checkout uses the same key, so
    /// both services find the same one).
    func reference(for customer: UUID) async throws -> String {
        guard
            let row = try await database.query(
                """
                SELECT email, payment_customer FROM customers WHERE id = \(customer)
                """
            ).first
        else { throw UnknownCustomer(id: customer) }
        let (email, known) = try row.decode((String, String?).self)
        if let known { return known }
        let created = try await gateway.createCustomer(
            email: email, name: nil, metadata: ["customer_id": customer.uuidString.lowercased()],
            idempotencyKey: "customer-\(customer.uuidString.lowercased())")
        _ = try await database.query(
            """
            UPDATE customers SET payment_customer = coalesce(payment_customer, \(created)) WHERE id = \(customer)
            """)
        return created
    }

    /// The card renewals charge `customer` to, as the provider describes it; `nil` when none is saved.
    func card(of customer: UUID) async throws -> SavedCard? {
        guard
            let row = try await database.query(
                """
                SELECT payment_customer, payment_method FROM customers WHERE id = \(customer)
                """
            ).first
        else { return nil }
        let (reference, method) = try row.decode((String?, String?).self)
        guard let reference, let method else { return nil }
        return try await gateway.savedCards(customer: reference).first { $0.id == method }
    }

    /// Makes `method` the card renewals charge, for the customer the provider knows as `reference`.
    func useCard(_ method: String, reference: String) async throws {
        _ = try await database.query(
            """
            UPDATE customers SET payment_method = \(method), updated_at = now() WHERE payment_customer = \(reference)
            """)
    }

    /// Makes `method` the card renewals charge for the customer who owes `invoice`, if the
    /// provider knows them as `reference` (a card just paid with and saved for later).
    static func useCard(_ method: String, reference: String, payerOf invoice: UUID, in transaction: Transaction)
        async throws
    {
        try await transaction.query(
            """
            UPDATE customers SET payment_method = \(method), updated_at = now()
            WHERE id = (SELECT customer_id FROM invoices WHERE id = \(invoice)) AND payment_customer = \(reference)
            """)
    }
}

/// Billing knows no customer with this id (no order of theirs reached it).
struct UnknownCustomer: Error, Equatable {
    let id: UUID
}
