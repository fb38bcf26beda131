import ExternalHTTP
import Foundation

/// Stripe's PaymentIntents API: form-encoded requests, `Bearer` secret key, and an
/// `Idempotency-Key` on every create so a retried call never charges twice.
public struct StripeGateway: PaymentGateway {
    let http: ExternalHTTPClient
    let secretKey: String

    public init(baseURL: String = "https://api.stripe.com", secretKey: String, timeout: Duration = .seconds(30)) {
        http = ExternalHTTPClient(baseURL: baseURL, timeout: timeout)
        self.secretKey = secretKey
    }

    public func createPaymentIntent(_ request: PaymentRequest, idempotencyKey: String) async throws -> PaymentIntent {
        try await post("/v1/payment_intents", fields(request) + [("automatic_payment_methods[enabled]", "true")],
                       idempotencyKey: idempotencyKey)
    }

    public func chargeOffSession(_ request: PaymentRequest, customer: String, paymentMethod: String,
                                 idempotencyKey: String) async throws -> PaymentIntent {
        try await post("/v1/payment_intents", fields(request) + [
            ("customer", customer), ("payment_method", paymentMethod), ("off_session", "true"), ("confirm", "true"),
            ("payment_method_types[]", "card"),
        ], idempotencyKey: idempotencyKey)
    }

    private func fields(_ request: PaymentRequest) -> [(String, String)] {
        [("amount", "\(request.amount)"), ("currency", request.currency.lowercased()), ("description", request.description)]
            + request.metadata.sorted { $0.key < $1.key }.map { ("metadata[\($0.key)]", $0.value) }
    }

    struct ErrorBody: Decodable {
        struct Detail: Decodable { let type: String; let code: String?; let message: String? }
        let error: Detail
    }

    private func post(_ path: String, _ form: [(String, String)], idempotencyKey: String) async throws -> PaymentIntent {
        let response: ExternalResponse
        do {
            response = try await http.send(.POST, path, headers: [
                ("Authorization", "Bearer \(secretKey)"), ("Idempotency-Key", idempotencyKey),
            ], body: FormEncoding.encode(form))
        } catch let error as ExternalCallError {
            throw PaymentError.unavailable(error.description)
        }
        switch response.status {
        case 200..<300:
            guard let intent = try? response.decode(PaymentIntent.self) else {
                throw PaymentError.unavailable("\(path): response is not a PaymentIntent")
            }
            return intent
        case 429, 500...:
            throw PaymentError.unavailable("\(path): HTTP \(response.status)")
        default:
            let detail = try? response.decode(ErrorBody.self).error
            if detail?.type == "card_error" {
                throw PaymentError.declined(code: detail?.code ?? "card_declined", message: detail?.message ?? "")
            }
            throw PaymentError.invalid("\(path): HTTP \(response.status) \(detail?.type ?? ""): \(detail?.message ?? response.body.prefix(200).description)")
        }
    }
}
