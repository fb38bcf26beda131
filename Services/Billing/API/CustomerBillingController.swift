import Foundation
import Hummingbird
import ServiceRuntime

/// `/api/customer`: one customer's subscriptions, invoices, payments and balance, for the
/// portal; the customer is the one the token names, never a parameter.
struct CustomerBillingController: Sendable {
    let queries: InvoiceQueries
    let customers: CustomerAuthentication

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.get("subscriptions") { request, _ in
            let customer = try await customers.customer(request)
            return APIResponse.json(try await queries.subscriptions(customer: customer, status: nil, paging: try Paging(request)))
        }
        api.get("invoices") { request, _ in
            let customer = try await customers.customer(request)
            return APIResponse.json(try await queries.invoices(customer: customer, subscription: nil, status: nil,
                                                               paging: try Paging(request)))
        }
        api.get("invoices/{id}") { request, context in
            let customer = try await customers.customer(request)
            // Another customer's invoice does not exist, as far as this customer can tell.
            guard let id = context.parameters.get("id", as: UUID.self), var invoice = try await queries.invoice(id),
                  invoice.customerID == customer else {
                throw APIError.notFound("invoice")
            }
            invoice.charges = nil
            invoice.dunning = nil
            return APIResponse.json(invoice)
        }
        api.get("payments") { request, _ in
            let customer = try await customers.customer(request)
            return APIResponse.json(try await queries.payments(invoice: nil, customer: customer, paging: try Paging(request)))
        }
        api.get("balance") { request, _ in
            APIResponse.json(try await queries.balance(try await customers.customer(request)))
        }
    }
}
