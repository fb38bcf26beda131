import Foundation
import Hummingbird

/// The objects Stripe lets a client list and fetch: customers (`GET /v1/customers`, by
/// `email`), a customer's saved cards (`GET /v1/payment_methods?customer=…`,
/// `GET /v1/customers/{id}/payment_methods`), refunds (`GET /v1/refunds?payment_intent=…`) and SetupIntents, in Stripe's list envelope
/// (`object: list`, `data`, `has_more`, `url`); and Stripe's answer to a URL it does not know.
extension StripeSimulator {
    func addListRoutes(to router: Router<BasicRequestContext>) {
        router.get("v1/customers") { request, _ in
            try await authorized(request) { _ in
                let email = request.uri.queryParameters.get("email")
                let customers = store.withLock { $0.customers.values.filter { email == nil || $0["email"] == email } }
                return list(
                    customers.sorted { $0["id"]! > $1["id"]! }.map(renderCustomer), url: "/v1/customers", request)
            }
        }
        router.get("v1/customers/{id}") { request, context in
            try await authorized(request) { _ in
                let id = context.parameters.get("id") ?? ""
                guard let customer = store.withLock({ $0.customers[id] }) else { return missing("customer", id) }
                return (200, json(renderCustomer(customer)))
            }
        }
        // Update a customer: only the fields sent change (email and name here).
        router.post("v1/customers/{id}") { request, context in
            try await authorized(request) { fields in
                try await idempotent(request, fields) {
                    let id = context.parameters.get("id") ?? ""
                    let updated = store.withLock { store -> [String: String]? in
                        guard var customer = store.customers[id] else { return nil }
                        for name in ["email", "name"] { if let value = fields[name] { customer[name] = value } }
                        store.customers[id] = customer
                        return customer
                    }
                    guard let updated else { return missing("customer", id) }
                    return (200, json(renderCustomer(updated)))
                }
            }
        }
        // Deleting a customer deletes their saved cards; a second delete is a 404.
        router.delete("v1/customers/{id}") { request, context in
            try await authorized(request) { _ in
                let id = context.parameters.get("id") ?? ""
                let deleted = store.withLock { store -> Bool in
                    guard store.customers.removeValue(forKey: id) != nil else { return false }
                    store.paymentMethods = store.paymentMethods.filter { $0.value["customer"] != id }
                    return true
                }
                guard deleted else { return missing("customer", id) }
                return (200, json(["id": id, "object": "customer", "deleted": true]))
            }
        }
        router.get("v1/customers/{id}/payment_methods") { request, context in
            try await authorized(request) { _ in
                let id = context.parameters.get("id") ?? ""
                guard store.withLock({ $0.customers[id] }) != nil else { return missing("customer", id) }
                return list(methods(of: id), url: "/v1/customers/\(id)/payment_methods", request)
            }
        }
        router.get("v1/payment_methods") { request, _ in
            try await authorized(request) { _ in
                guard let customer = request.uri.queryParameters.get("customer") else {
                    return stripeError(
                        400, type: "invalid_request_error", code: "parameter_missing",
                        message: "Missing required param: customer.", param: "customer")
                }
                return list(methods(of: customer), url: "/v1/payment_methods", request)
            }
        }
        router.get("v1/refunds") { request, _ in
            try await authorized(request) { _ in
                let intent = request.uri.queryParameters.get("payment_intent")
                let refunds = store.withLock { $0.refunds.filter { intent == nil || $0["payment_intent"] == intent } }
                return list(refunds.reversed().map(Self.renderRefund), url: "/v1/refunds", request)
            }
        }
        router.get("v1/setup_intents/{id}") { request, context in
            try await authorized(request) { _ in
                let id = context.parameters.get("id") ?? ""
                guard let fields = store.withLock({ $0.setupIntents[id] }) else { return missing("setup_intent", id) }
                var intent: [String: Any] = fields
                intent["livemode"] = false
                return (200, json(intent))
            }
        }
    }

    /// Records a customer; returns it as Stripe does.
    func saveCustomer(_ id: String, email: String?, name: String?) -> [String: Any] {
        var customer = ["id": id, "created": "\(Int(Date().timeIntervalSince1970))"]
        customer["email"] = email
        customer["name"] = name
        store.withLock { $0.customers[id] = customer }
        return renderCustomer(customer)
    }

    static func renderRefund(_ fields: [String: String]) -> [String: Any] {
        [
            "id": fields["id"]!, "object": "refund", "payment_intent": fields["payment_intent"]!,
            "amount": Int(fields["amount"]!) ?? 0,
            "currency": fields["currency"]!, "created": Int(fields["created"] ?? "") ?? 0, "status": "succeeded",
        ]
    }

    private func renderCustomer(_ fields: [String: String]) -> [String: Any] {
        [
            "id": fields["id"]!, "object": "customer", "email": fields["email"] ?? NSNull(),
            "name": fields["name"] ?? NSNull(),
            "created": Int(fields["created"] ?? "") ?? 0, "livemode": false,
        ]
    }

    /// Saves a card on a customer (a setup, or a payment with `setup_future_usage`).
    func saveCard(_ method: String, customer: String, card: String) {
        let brand = card.hasPrefix("5") ? "mastercard" : "visa"
        store.withLock {
            $0.paymentMethods[method] = [
                "id": method, "customer": customer, "last4": String(card.suffix(4)), "brand": brand,
            ]
        }
    }

    private func methods(of customer: String) -> [[String: Any]] {
        store.withLock { $0.paymentMethods.values.filter { $0["customer"] == customer } }.sorted {
            $0["id"]! > $1["id"]!
        }.map { method in
            [
                "id": method["id"]!, "object": "payment_method", "type": "card", "customer": customer,
                "livemode": false,
                "card": ["brand": method["brand"]!, "last4": method["last4"]!, "exp_month": 12, "exp_year": 2034],
            ]
        }
    }

    private func list(_ items: [[String: Any]], url: String, _ request: Request) -> (Int, String) {
        let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 10, 1), 100)
        return (
            200,
            json(["object": "list", "url": url, "has_more": items.count > limit, "data": Array(items.prefix(limit))])
        )
    }

    private func missing(_ object: String, _ id: String) -> (Int, String) {
        stripeError(
            404, type: "invalid_request_error", code: "resource_missing", message: "No such \(object): '\(id)'",
            param: "id")
    }
}

/// Stripe's 404 for a URL it does not serve, in its error shape.
struct StripeUnknownRoute<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && request.uri.path.hasPrefix("/v1/") {
            let (_, body) = stripeError(
                404, type: "invalid_request_error", code: nil,
                message: """
                    Unrecognized request URL (\(request.method): \(request.uri.path)). Please see https://stripe.com/docs or we can help at \
                    https://support.stripe.com/.
                    """)
            return Response(
                status: .notFound, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }
}
