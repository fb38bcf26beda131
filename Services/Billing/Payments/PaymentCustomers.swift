import Foundation
import HTTPTypes
import Payments
import Persistence
import PostgresNIO
import ServiceRuntime

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
        else { throw APIError.notFound("customer") }
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
}

extension APIError {
    /// 502 for a provider call the customer's page depends on and the provider did not answer.
    static func providerUnavailable(_ error: PaymentError) -> APIError {
        APIError(.badGateway, code: "payment_provider_unavailable", "the payment provider did not answer: \(error)")
    }
}
