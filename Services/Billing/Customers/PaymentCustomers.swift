import Foundation
import Payments
import Persistence
import ServiceKit

/// Billing's customers at the payment provider.
struct PaymentCustomers: Sendable {
    let database: Database
    let gateway: any PaymentGateway

    /// The provider's customer, created once per customer (checkout uses the same key, so
    /// both services find the same one).
    func reference(for customer: UUID) async throws -> String {
        guard let identity = try await CustomerStore.paymentIdentity(of: customer, on: database) else {
            throw UnknownCustomer(id: customer)
        }
        if let known = identity.paymentCustomer { return known }
        let created = try await gateway.createCustomer(
            email: identity.email, name: nil, metadata: ["customer_id": customer.uuidString.lowercased()],
            idempotencyKey: "customer-\(customer.uuidString.lowercased())")
        try await CustomerStore.setPaymentCustomer(created, of: customer, on: database)
        return created
    }

    /// The card renewals charge `customer` to, as the provider describes it; `nil` when none is saved.
    func card(of customer: UUID) async throws -> SavedCard? {
        guard let identity = try await CustomerStore.paymentIdentity(of: customer, on: database),
            let reference = identity.paymentCustomer, let method = identity.paymentMethod
        else { return nil }
        return try await gateway.savedCards(customer: reference).first { $0.id == method }
    }

    /// Makes `method` the card renewals charge, for the customer the provider knows as `reference`.
    func useCard(_ method: String, reference: String) async throws {
        try await CustomerStore.useCard(method, reference: reference, on: database)
    }
}

/// Billing knows no customer with this id (no order of theirs reached it).
struct UnknownCustomer: Error, Equatable {
    let id: UUID
}
