import Foundation
import HTTPSupport
import Hummingbird
import Payments
import Persistence
import PostgresNIO
import ServiceKit

/// `/api/customer`: one customer's subscriptions, invoices, payments and balance, for the
/// portal; the customer is the one the token names, never a parameter.
struct CustomerBillingController: Sendable {
    let queries: InvoiceQueries
    let customers: CustomerAuthentication
    let store: ServiceStore
    let settings: BillingSettings
    var gateway: any PaymentGateway { settings.gateway }

    struct CancellationRequest: Decodable {
        let when: CancellationTime
    }

    struct Return: Decodable {
        let successURL: String
        let cancelURL: String
        enum CodingKeys: String, CodingKey {
            case successURL = "success_url"
            case cancelURL = "cancel_url"
        }
    }

    struct Page: Encodable {
        let paymentPage: String?
        enum CodingKeys: String, CodingKey { case paymentPage = "payment_page" }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.get("subscriptions") { request, _ in
            let customer = try await customers.customer(request)
            return APIResponse.json(
                try await queries.subscriptions(customer: customer, status: nil, paging: try Paging(request).numbers))
        }
        api.post("subscriptions/{id}/cancellation") { request, context in
            let customer = try await customers.customer(request)
            guard let id = context.parameters.get("id", as: UUID.self) else { throw APIError.notFound("subscription") }
            let body = try await APIResponse.decode(CancellationRequest.self, from: request)
            return APIResponse.json(
                try await store.transaction { transaction in
                    try await Cancellations(settings: settings).request(
                        id, of: customer, when: body.when, actor: "customer", today: BillingDay(Date()),
                        in: transaction)
                })
        }
        api.get("invoices") { request, _ in
            let customer = try await customers.customer(request)
            return APIResponse.json(
                try await queries.invoices(
                    customer: customer, subscription: nil, status: nil,
                    paging: try Paging(request).numbers))
        }
        api.get("invoices/{id}") { request, context in
            let customer = try await customers.customer(request)
            // Another customer's invoice does not exist, as far as this customer can tell.
            guard let id = context.parameters.get("id", as: UUID.self), var invoice = try await queries.invoice(id),
                invoice.customerID == customer
            else {
                throw APIError.notFound("invoice")
            }
            invoice.charges = nil
            invoice.dunning = nil
            return APIResponse.json(invoice)
        }
        // The invoice as it was issued, printed once (404 until its PDF is made, a few seconds after issue).
        api.get("invoices/{id}/pdf") { request, context in
            let customer = try await customers.customer(request)
            guard let id = context.parameters.get("id", as: UUID.self),
                let pdf = try await InvoiceDocumentStore.pdf(of: id, customer: customer, on: queries.database)
            else {
                throw APIError.notFound("invoice document")
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/pdf", .contentDisposition: "attachment; filename=\"invoice-\(id).pdf\"",
                ], body: .init(byteBuffer: pdf))
        }
        // The provider's hosted page paying what is left of an open invoice; its payment
        // arrives by webhook with the invoice's id (BillingWebhookController).
        api.post("invoices/{id}/payment-page") { request, context in
            let customer = try await customers.customer(request)
            guard let id = context.parameters.get("id", as: UUID.self), let invoice = try await queries.invoice(id),
                invoice.customerID == customer
            else {
                throw APIError.notFound("invoice")
            }
            let body = try await APIResponse.decode(Return.self, from: request)
            guard invoice.status == .open, invoice.total > invoice.amountPaid else {
                throw APIError.conflict(
                    "not_payable", "the invoice is \(invoice.status.rawValue) with nothing left to pay")
            }
            let returnTo = CheckoutReturn(success: body.successURL, cancel: body.cancelURL)
            if let field = returnTo.invalidField { throw APIError.invalid(field, "\(field) is an http or https URL") }
            let due = invoice.total - invoice.amountPaid
            do {
                let reference = try await PaymentCustomers(database: queries.database, gateway: gateway).reference(
                    for: customer)
                let page = try await gateway.createCheckoutPage(
                    PaymentRequest(
                        amount: due, currency: invoice.currency, description: "Invoice \(invoice.number)",
                        metadata: ["invoice_id": id.uuidString, "customer_id": customer.uuidString]),
                    customer: reference, returnTo: returnTo,
                    idempotencyKey: "invoice-page-\(id.uuidString.lowercased())-\(due)")
                return APIResponse.json(Page(paymentPage: page.url))
            } catch let error as PaymentError {
                throw APIError.providerUnavailable(error)
            }
        }
        api.get("payments") { request, _ in
            let customer = try await customers.customer(request)
            return APIResponse.json(
                try await queries.payments(invoice: nil, customer: customer, paging: try Paging(request).numbers))
        }
        api.get("balance") { request, _ in
            APIResponse.json(try await queries.balance(try await customers.customer(request)))
        }
    }
}
