import Contracts
import ServiceKit

/// What billing hears about customers from checkout, who owns them.
enum CustomerEvents {
    static func register(in definition: inout ServiceDefinition) {
        // Invoices from now go to the new address; issued ones keep the one they were sent to.
        definition.handlers.on(CustomerEmailChanged.self) { event, transaction in
            try await CustomerStore.changeEmail(of: event.customerID, to: event.email, in: transaction)
        }
        // Issued invoices are kept, as the law requires, with the bill-to each was issued to.
        definition.handlers.on(CustomerErased.self) { event, transaction in
            guard let customer = event.customerID else { return }
            try await CustomerStore.erase(customer, in: transaction)
        }
    }
}
