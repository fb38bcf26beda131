import Foundation
import Payments

/// The provider's customer for each of our customers, created once (its idempotency key is
/// our customer id), so the card paid with is saved for billing's renewals.
struct PaymentCustomers: Sendable {
    let customers: CustomerStore
    let gateway: any PaymentGateway

    func reference(for order: Order) async throws -> String {
        if let known = order.paymentCustomer { return known }
        let created = try await gateway.createCustomer(
            email: order.customerEmail, name: nil,
            metadata: ["customer_id": order.customerID.uuidString.lowercased()],
            idempotencyKey: "customer-\(order.customerID.uuidString.lowercased())")
        return try await customers.setPaymentCustomer(created, of: order.customerID)
    }
}
