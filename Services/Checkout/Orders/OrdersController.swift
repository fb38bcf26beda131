import Foundation
import HTTPSupport
import Hummingbird
import Logging
import Payments
import Persistence
import PostgresNIO

/// Placing orders (storefront) and reading them (customer by id, operators by list).
struct OrdersController: Sendable {
    let store: OrderStore
    let gateway: any PaymentGateway
    /// Authenticates the admin routes (``BearerAuthMiddleware``).
    let admin: BearerAuthMiddleware
    let limits: OrderLimits
    /// The host's country (`HOSTWIRE_SELLER_COUNTRY`), for the EU reverse charge.
    let seller: String?

    func addRoutes(to router: Router<ServiceRequestContext>) {
        router.post("api/orders") { request, context in
            let order = try await APIResponse.decode(PlaceOrder.self, from: request).validated(seller: seller)
            try await limits.admit(request, context, email: order.email)
            return try await withPayment(try await store.place(order), status: .created)
        }
        router.get("api/orders/{id}") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard let order = try await store.order(id) else { throw APIError.notFound("order") }
            return APIResponse.json(order)
        }
        // A payment intent that could not be created at order time is asked for again.
        router.post("api/orders/{id}/payment") { _, context in
            guard let order = try await store.order(try context.parameters.require("id", as: UUID.self)) else {
                throw APIError.notFound("order")
            }
            return try await withPayment(order, status: .ok)
        }
        let admin = router.group("api/admin").add(middleware: admin)
        // Per day (UTC) and currency: orders placed, orders paid and what they came to.
        admin.get("stats/daily") { request, _ in
            APIResponse.json(try await store.daily(try StatsWindow(request)))
        }
        admin.get("orders") { request, _ in
            let status = try request.query(
                "status", as: OrderStatus.self, otherwise: "status is pending_payment, paid, cancelled or closed")
            let paging = try Paging(request)
            return APIResponse.json(
                try await store.orders(status: status, limit: paging.perPage, offset: paging.offset))
        }
    }

    /// Makes sure the order has a payment intent (one per order: the idempotency key is the
    /// order id) and answers with the order; 502 when the provider cannot be reached.
    private func withPayment(_ order: Order, status: HTTPResponse.Status) async throws -> Response {
        let id = order.id
        var order = order
        guard order.status == .pendingPayment, order.payment.paymentIntent == nil else {
            return APIResponse.json(order, status: status)
        }
        do {
            let customer = try await PaymentCustomers(
                customers: CustomerStore(database: store.database), gateway: gateway
            ).reference(for: order)
            let intent = try await gateway.createPaymentIntent(
                PaymentRequest(
                    amount: order.total, currency: order.currency,
                    description: "\(order.productName) (\(order.billingCycle))",
                    metadata: ["order_id": id.uuidString, "customer_id": order.customerID.uuidString]),
                customer: customer, idempotencyKey: "order-\(id.uuidString.lowercased())")
            guard try await store.attach(intent, to: id) else {
                return APIResponse.json(try await store.order(id), status: status)  // another request attached its own
            }
            order.payment = Order.Payment(
                provider: order.payment.provider, paymentIntent: intent.id, clientSecret: intent.clientSecret)
        } catch let error as PaymentError {
            store.logger.warning("payment intent not created", metadata: ["order": "\(id)", "error": "\(error)"])
            throw APIError(
                .badGateway, code: "payment_provider_unavailable",
                "the order \(id) is saved but the payment provider did not answer; POST /api/orders/\(id)/payment to try again"
            )
        }
        return APIResponse.json(order, status: status)
    }
}

extension DomainAlreadyOrdered: APIErrorConvertible {
    var apiError: APIError { .conflict("domain_already_ordered", "an active order for \(domain) exists") }
}
