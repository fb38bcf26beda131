import ExternalHTTP
import Foundation
import NIOHTTP1

/// Stripe's PaymentIntents API: form-encoded requests, `Bearer` secret key, and an
/// `Idempotency-Key` on every create so a retried call never charges twice.
public struct StripeGateway: PaymentGateway {
    let http: ExternalHTTPClient
    let secretKey: String

    public init(baseURL: String = "https://api.stripe.com", secretKey: String, timeout: Duration = .seconds(30)) {
        http = ExternalHTTPClient(baseURL: baseURL, timeout: timeout)
        self.secretKey = secretKey
    }

    public func createCustomer(email: String, name: String?, metadata: [String: String], idempotencyKey: String)
        async throws -> String
    {
        struct Customer: Decodable { let id: String }
        let customer: Customer = try await post(
            "/v1/customers",
            [("email", email)] + (name.map { [("name", $0)] } ?? [])
                + metadata.sorted { $0.key < $1.key }.map { ("metadata[\($0.key)]", $0.value) },
            idempotencyKey: idempotencyKey)
        return customer.id
    }

    public func updateCustomer(_ customer: String, email: String, idempotencyKey: String) async throws {
        struct Customer: Decodable { let id: String }
        let _: Customer = try await post(
            "/v1/customers/\(customer)", [("email", email)], idempotencyKey: idempotencyKey)
    }

    public func deleteCustomer(_ customer: String) async throws {
        struct Deleted: Decodable { let id: String }
        let path = "/v1/customers/\(customer)"
        // Deleted before (a retry whose first answer was lost): Stripe answers 404 `resource_missing`.
        if let gone = try? await http.send(.GET, path, headers: [("Authorization", "Bearer \(secretKey)")], body: nil),
            gone.status == 404
        {
            return
        }
        let _: Deleted = try await send(.DELETE, path, headers: [], body: nil)
    }

    public func createPaymentIntent(_ request: PaymentRequest, customer: String?, idempotencyKey: String) async throws
        -> PaymentIntent
    {
        let saving = customer.map { [("customer", $0), ("setup_future_usage", "off_session")] } ?? []
        return try await post(
            "/v1/payment_intents", fields(request) + [("automatic_payment_methods[enabled]", "true")] + saving,
            idempotencyKey: idempotencyKey)
    }

    public func chargeOffSession(
        _ request: PaymentRequest, customer: String, paymentMethod: String,
        idempotencyKey: String
    ) async throws -> PaymentIntent {
        try await post(
            "/v1/payment_intents",
            fields(request) + [
                ("customer", customer), ("payment_method", paymentMethod), ("off_session", "true"), ("confirm", "true"),
                ("payment_method_types[]", "card"),
            ], idempotencyKey: idempotencyKey)
    }

    public func refund(payment: String, amount: Int, idempotencyKey: String) async throws -> PaymentRefund {
        try await post(
            "/v1/refunds", [("payment_intent", payment), ("amount", "\(amount)")], idempotencyKey: idempotencyKey)
    }

    public func cancelPayment(_ payment: String, idempotencyKey: String) async throws -> PaymentIntent {
        try await post(
            "/v1/payment_intents/\(payment)/cancel", [("cancellation_reason", "abandoned")],
            idempotencyKey: idempotencyKey)
    }

    public func createCheckoutPage(
        _ request: PaymentRequest, customer: String, returnTo: CheckoutReturn,
        idempotencyKey: String
    ) async throws -> CheckoutPage {
        let item = "line_items[0][price_data]"
        return try await post(
            "/v1/checkout/sessions",
            [
                ("mode", "payment"), ("customer", customer), ("success_url", returnTo.success),
                ("cancel_url", returnTo.cancel),
                ("\(item)[currency]", request.currency.lowercased()), ("\(item)[unit_amount]", "\(request.amount)"),
                ("\(item)[product_data][name]", request.description), ("line_items[0][quantity]", "1"),
                ("payment_intent_data[setup_future_usage]", "off_session"),
            ]
                + request.metadata.sorted { $0.key < $1.key }.flatMap {
                    [("payment_intent_data[metadata][\($0.key)]", $0.value), ("metadata[\($0.key)]", $0.value)]
                }, idempotencyKey: idempotencyKey)
    }

    public func createCardSetupPage(customer: String, returnTo: CheckoutReturn, idempotencyKey: String) async throws
        -> CheckoutPage
    {
        try await post(
            "/v1/checkout/sessions",
            [
                ("mode", "setup"), ("customer", customer), ("success_url", returnTo.success),
                ("cancel_url", returnTo.cancel),
                ("payment_method_types[0]", "card"), ("setup_intent_data[metadata][purpose]", "replace-card"),
            ], idempotencyKey: idempotencyKey)
    }

    public func savedCards(customer: String) async throws -> [SavedCard] {
        struct Method: Decodable {
            struct Card: Decodable {
                let brand: String
                let last4: String
                let exp_month: Int
                let exp_year: Int
            }
            let id: String
            let card: Card?
        }
        struct Page: Decodable { let data: [Method] }
        let query = FormEncoding.encode([("customer", customer), ("type", "card"), ("limit", "10")])
        let page: Page = try await get("/v1/payment_methods?\(query)")
        return page.data.compactMap { method in
            method.card.map {
                SavedCard(
                    id: method.id, brand: $0.brand, last4: $0.last4, expiryMonth: $0.exp_month, expiryYear: $0.exp_year)
            }
        }
    }

    private func fields(_ request: PaymentRequest) -> [(String, String)] {
        [
            ("amount", "\(request.amount)"), ("currency", request.currency.lowercased()),
            ("description", request.description),
        ]
            + request.metadata.sorted { $0.key < $1.key }.map { ("metadata[\($0.key)]", $0.value) }
    }

    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            let type: String
            let code: String?
            let message: String?
        }
        let error: Detail
    }

    private func post<Object: Decodable>(_ path: String, _ form: [(String, String)], idempotencyKey: String)
        async throws -> Object
    {
        try await send(.POST, path, headers: [("Idempotency-Key", idempotencyKey)], body: FormEncoding.encode(form))
    }

    private func get<Object: Decodable>(_ path: String) async throws -> Object {
        try await send(.GET, path, headers: [], body: nil)
    }

    private func send<Object: Decodable>(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)], body: String?
    ) async throws -> Object {
        let response: ExternalResponse
        do {
            response = try await http.send(
                method, path, headers: [("Authorization", "Bearer \(secretKey)")] + headers, body: body)
        } catch let error as ExternalCallError {
            throw PaymentError.unavailable(error.description)
        }
        switch response.status {
        case 200..<300:
            guard let object = try? response.decode(Object.self) else {
                throw PaymentError.unavailable("\(path): response is not a \(Object.self)")
            }
            return object
        case 429, 500...:
            throw PaymentError.unavailable("\(path): HTTP \(response.status)")
        default:
            let detail = try? response.decode(ErrorBody.self).error
            if detail?.type == "card_error" {
                throw PaymentError.declined(code: detail?.code ?? "card_declined", message: detail?.message ?? "")
            }
            throw PaymentError.invalid(
                "\(path): HTTP \(response.status) \(detail?.type ?? ""): \(detail?.message ?? response.body.prefix(200).description)"
            )
        }
    }
}
