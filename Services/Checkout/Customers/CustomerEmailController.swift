import Contracts
import Foundation
import HTTPSupport
import Hummingbird
import Payments
import PortalTokens
import ServiceKit
import Tasks
import Validation

/// Keeps the provider's customer on the address checkout knows: receipts follow an email change.
struct UpdatePaymentCustomerTask: TaskPayload {
    static let taskType = "update-payment-customer"
    static let maxAttempts = 10
    let customerID: UUID
    let paymentCustomer: String
    let email: String
    enum CodingKeys: String, CodingKey {
        case customerID = "customer_id"
        case paymentCustomer = "payment_customer"
        case email
    }
}

/// `PUT /api/customer/email`: the portal has proven the customer's new address (a link sent
/// there was followed); checkout, which owns customers, takes it and tells the others.
struct CustomerEmailController: Sendable {
    let store: ServiceStore
    let customers: CustomerAuthentication

    struct NewEmail: Decodable {
        let email: String
    }

    struct Changed: Encodable {
        let customerID: UUID
        let email: String
        enum CodingKeys: String, CodingKey {
            case customerID = "customer_id"
            case email
        }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.put("email") { request, _ in
            let claims = try await customers.claims(request)
            guard let customer = claims.customerID else { throw APIError.notFound("customer") }
            let body = try await APIResponse.decode(NewEmail.self, from: request)
            guard let address = try? EmailAddress(body.email).address.lowercased() else {
                throw APIError.invalid("email", "email is not an address we can write to")
            }
            let change = try await store.transaction { transaction in
                let change = try await CustomerStore.changeEmail(of: customer, to: address, in: transaction)
                guard case .changed(let previous, let name, let paymentCustomer) = change else { return change }
                try await transaction.publish(
                    CustomerEmailChanged(customerID: customer, email: address, previousEmail: previous, name: name))
                if let paymentCustomer {
                    _ = try await transaction.enqueue(
                        UpdatePaymentCustomerTask(
                            customerID: customer, paymentCustomer: paymentCustomer, email: address))
                }
                return change
            }
            if case .taken = change {
                throw APIError(.conflict, code: "email_taken", "another customer has this email address")
            }
            return APIResponse.json(Changed(customerID: customer, email: address))
        }
    }

    static func register(gateway: any PaymentGateway, in definition: inout ServiceDefinition) {
        definition.tasks.register(UpdatePaymentCustomerTask.self) { task, _ in
            // Keyed by the address: a retry of the same change is one change at the provider.
            try await gateway.updateCustomer(
                task.paymentCustomer, email: task.email,
                idempotencyKey: "email-\(task.customerID.uuidString.lowercased())-\(task.email)")
        }
    }
}
