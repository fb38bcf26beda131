import Foundation
import HTTPSupport
import Hummingbird
import Logging
import Payments
import PortalTokens

/// `/api/customer/orders`: the portal places and reads orders for the customer its token
/// names, and gets the provider's hosted page to pay each one.
struct CustomerOrdersController: Sendable {
    let store: OrderStore
    let gateway: any PaymentGateway
    let customers: CustomerAuthentication
    let limits: OrderLimits
    /// The host's country (`HOSTWIRE_SELLER_COUNTRY`), for the EU reverse charge.
    let seller: String?

    struct NewOrder: Decodable {
        let name: String
        let productID: UUID
        let billingCycle: String
        let currency: String
        let domain: String?
        /// The customer's country and EU VAT number, from their profile: the order's tax.
        let country: String?
        let vatID: String?
        let successURL: String
        let cancelURL: String
        enum CodingKeys: String, CodingKey {
            case name
            case productID = "product_id"
            case billingCycle = "billing_cycle"
            case currency, domain, country
            case vatID = "vat_id"
            case successURL = "success_url"
            case cancelURL = "cancel_url"
        }
    }

    struct Return: Decodable {
        let successURL: String
        let cancelURL: String
        enum CodingKeys: String, CodingKey {
            case successURL = "success_url"
            case cancelURL = "cancel_url"
        }
    }

    /// An order with the page that pays it (none once paid or cancelled).
    struct Placed: Encodable {
        let order: Order
        let paymentPage: String?
        enum CodingKeys: String, CodingKey {
            case order
            case paymentPage = "payment_page"
        }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.post("orders") { request, context in
            let claims = try await customers.claims(request)
            let body = try await APIResponse.decode(NewOrder.self, from: request)
            let returnTo = try Self.returnTo(body.successURL, body.cancelURL)
            // Orders attach to a customer by email: the token's address must be its customer's.
            guard try await store.customerID(email: claims.email.lowercased()) == claims.customerID else {
                throw APIError(
                    .forbidden, code: "forbidden", "the token's address belongs to another customer or to none yet")
            }
            if let customer = claims.customerID { try await limits.admit(customer: customer) }
            // The address is the token's (verified by the portal), never the body's.
            let order = try await store.place(
                PlaceOrder(
                    customer: .init(
                        email: claims.email, name: body.name, company: nil, country: body.country, vatID: body.vatID),
                    productID: body.productID,
                    billingCycle: body.billingCycle, currency: body.currency, domain: body.domain
                ).validated(seller: seller))
            return APIResponse.json(
                Placed(order: order, paymentPage: try await page(order, returnTo)), status: .created)
        }
        api.get("orders") { request, _ in
            let customer = try await customers.customer(request)
            let paging = try Paging(request)
            return APIResponse.json(
                try await store.orders(customer: customer, limit: paging.perPage, offset: paging.offset))
        }
        api.get("orders/{id}") { request, context in
            APIResponse.json(try await own(request, context))
        }
        api.post("orders/{id}/payment-page") { request, context in
            let order = try await own(request, context)
            let body = try await APIResponse.decode(Return.self, from: request)
            guard order.status == .pendingPayment else {
                throw APIError.conflict("not_payable", "the order is \(order.status.rawValue)")
            }
            return APIResponse.json(
                Placed(
                    order: order, paymentPage: try await page(order, try Self.returnTo(body.successURL, body.cancelURL))
                ))
        }
    }

    /// The token's customer's order `{id}`; another's does not exist for them.
    private func own(_ request: Request, _ context: ServiceRequestContext) async throws -> Order {
        let customer = try await customers.customer(request)
        guard let id = context.parameters.get("id", as: UUID.self), let order = try await store.order(id),
            order.customerID == customer
        else { throw APIError.notFound("order") }
        return order
    }

    /// The provider's page for the order, one per order (its idempotency key); 502 when the
    /// provider does not answer (the order is kept and can ask again). `{ORDER_ID}` in the
    /// return URLs becomes the order's id.
    private func page(_ order: Order, _ returnTo: CheckoutReturn) async throws -> String? {
        guard order.status == .pendingPayment else { return nil }
        let id = order.id.uuidString.lowercased()
        let returnTo = CheckoutReturn(
            success: returnTo.success.replacingOccurrences(of: "{ORDER_ID}", with: id),
            cancel: returnTo.cancel.replacingOccurrences(of: "{ORDER_ID}", with: id))
        do {
            let customer = try await PaymentCustomers(
                customers: CustomerStore(database: store.database), gateway: gateway
            ).reference(for: order)
            let page = try await gateway.createCheckoutPage(
                PaymentRequest(
                    amount: order.total, currency: order.currency,
                    description: "\(order.productName) (\(order.billingCycle))",
                    metadata: ["order_id": order.id.uuidString, "customer_id": order.customerID.uuidString]),
                customer: customer, returnTo: returnTo,
                idempotencyKey: "checkout-page-\(order.id.uuidString.lowercased())")
            return page.url
        } catch let error as PaymentError {
            store.logger.warning("payment page not created", metadata: ["order": "\(order.id)", "error": "\(error)"])
            throw APIError(
                .badGateway, code: "payment_provider_unavailable",
                "the order \(order.id) is saved but the payment provider did not answer; ask for its payment page again"
            )
        }
    }

    private static func returnTo(_ success: String, _ cancel: String) throws -> CheckoutReturn {
        let returnTo = CheckoutReturn(success: success, cancel: cancel)
        if let field = returnTo.invalidField { throw APIError.invalid(field, "\(field) is an http or https URL") }
        return returnTo
    }
}
