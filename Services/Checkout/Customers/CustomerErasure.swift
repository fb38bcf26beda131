import Contracts
import Foundation
import Payments
import ServiceKit
import Tasks

/// Deletes an erased customer at the payment provider, with the cards saved there.
struct DeletePaymentCustomerTask: TaskPayload {
    static let taskType = "delete-payment-customer"
    static let maxAttempts = 10
    let customerID: UUID
    let paymentCustomer: String
    enum CodingKeys: String, CodingKey {
        case customerID = "customer_id"
        case paymentCustomer = "payment_customer"
    }
}

/// A person's erasure reaches checkout: the customer keeps their id (their orders point at
/// it) and loses their name, address and the provider's customer.
enum CustomerErasure {
    static func register(gateway: any PaymentGateway, in definition: inout ServiceDefinition) {
        definition.handlers.on(CustomerErased.self) { event, transaction in
            guard let customer = event.customerID else { return }
            try await OrderStore.forgetVATNumbers(of: customer, in: transaction)
            guard let paymentCustomer = try await CustomerStore.erase(customer, in: transaction) else { return }
            _ = try await transaction.enqueue(
                DeletePaymentCustomerTask(customerID: customer, paymentCustomer: paymentCustomer),
                dedupeKey: "delete-payment-customer-\(customer.uuidString.lowercased())")
        }
        definition.tasks.register(DeletePaymentCustomerTask.self) { task, _ in
            try await gateway.deleteCustomer(task.paymentCustomer)
        }
    }
}
