import ExternalHTTP
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Stripe's PaymentIntents and Checkout Sessions APIs (`/v1`, `Bearer sk_…`, form-encoded,
/// `Idempotency-Key`), with Stripe's test payment methods (`pm_card_visa` succeeds,
/// `pm_card_chargeDeclined` declines), a hosted payment page with Stripe's test cards
/// (StripeSimulator+Checkout.swift), and signed webhooks for every payment outcome.
struct StripeSimulator: Sendable {
    let credentials: SimulatorCredentials
    let webhook: WebhookSender
    /// Where browsers reach the hosted payment page (`SIM_PUBLIC_URL`).
    let publicURL: String
    let store = Locked(Store())

    struct Store: Sendable {
        var intents: [String: [String: String]] = [:]
        /// Checkout Sessions: their form fields as created, and their state.
        var sessions: [String: [String: String]] = [:]
        /// Idempotency key → (request fingerprint, status, body), as Stripe replays them.
        var replies: [String: (String, Int, String)] = [:]
        /// Declines still to give per customer (`POST /__sim/customers/{id}/declines`).
        var declines: [String: Int] = [:]
        /// Amount refunded so far per PaymentIntent.
        var refunded: [String: Int] = [:]
        /// Every refund made, oldest first: id, payment_intent, amount, currency, created.
        var refunds: [[String: String]] = []
        var customers: [String: [String: String]] = [:]
        /// Saved cards: id, customer, last4, brand.
        var paymentMethods: [String: [String: String]] = [:]
        var setupIntents: [String: [String: String]] = [:]
        var sequence = 0
        /// Makes ids unique across restarts, as Stripe's are.
        let prefix = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8)).lowercased()
    }

    init(credentials: SimulatorCredentials, webhook: WebhookSender, publicURL: String) {
        self.credentials = credentials
        self.webhook = webhook
        self.publicURL = publicURL
    }

    /// The next id with `prefix`, unique across restarts.
    func nextID(_ prefix: String) -> String {
        store.withLock { store in
            store.sequence += 1
            return "\(prefix)_\(store.prefix)\(String(format: "%08d", store.sequence))"
        }
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("v1/payment_intents") { request, _ in
            try await authorized(request) { fields in
                try await idempotent(request, fields) { createIntent(fields) }
            }
        }
        router.get("v1/payment_intents/{id}") { request, context in
            try await authorized(request) { _ in
                guard let intent = store.withLock({ $0.intents[context.parameters.get("id") ?? ""] }) else {
                    return stripeError(
                        404, type: "invalid_request_error", code: "resource_missing", message: "No such payment_intent")
                }
                return (200, render(intent))
            }
        }
        router.post("v1/payment_intents/{id}/confirm") { request, context in
            try await authorized(request) { fields in
                try await idempotent(request, fields) {
                    confirm(context.parameters.get("id") ?? "", method: fields["payment_method"])
                }
            }
        }
        router.post("v1/payment_intents/{id}/cancel") { request, context in
            try await authorized(request) { fields in
                try await idempotent(request, fields) { cancel(context.parameters.get("id") ?? "") }
            }
        }
        router.post("v1/customers") { request, _ in
            try await authorized(request) { fields in
                try await idempotent(request, fields) {
                    (200, json(saveCustomer(nextID("cus"), email: fields["email"], name: fields["name"])))
                }
            }
        }
        router.post("v1/refunds") { request, _ in
            try await authorized(request) { fields in
                try await idempotent(request, fields) { refund(fields) }
            }
        }
        // The customer completes the payment in the browser (Stripe.js in real life).
        router.post("__sim/payment_intents/{id}/pay") { _, context -> Response in
            let (status, body) = confirm(context.parameters.get("id") ?? "", method: "pm_card_visa")
            return Response(
                status: .init(code: status), headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.post("__sim/customers/{id}/declines") { request, context -> HTTPResponse.Status in
            let count = request.uri.queryParameters.get("count", as: Int.self) ?? 1
            store.withLock { $0.declines[context.parameters.get("id") ?? ""] = count }
            return .noContent
        }
        router.get("__sim/events") { _, _ in JSONBody(webhook.delivered) }
        addCheckoutRoutes(to: router)
        addListRoutes(to: router)
        router.add(middleware: StripeUnknownRoute())
    }

    private func createIntent(_ fields: [String: String]) -> (Int, String) {
        guard let amountText = fields["amount"], let amount = Int(amountText), amount > 0 else {
            return stripeError(
                400, type: "invalid_request_error", code: "parameter_invalid_integer",
                message: "Invalid integer: \(fields["amount"] ?? "")", param: "amount")
        }
        guard let currency = fields["currency"], currency.count == 3, currency == currency.lowercased() else {
            return stripeError(
                400, type: "invalid_request_error", code: "parameter_invalid_string", message: "Invalid currency",
                param: "currency")
        }
        let id = store.withLock { store -> String in
            store.sequence += 1
            let id = "pi_\(store.prefix)\(String(format: "%08d", store.sequence))"
            var intent = [
                "id": id, "amount": "\(amount)", "currency": currency, "status": "requires_payment_method",
                "client_secret": "\(id)_secret_\(UUID().uuidString.prefix(8))", "customer": fields["customer"] ?? "",
                "description": fields["description"] ?? "",
            ]
            for (name, value) in fields where name.hasPrefix("metadata[") { intent[name] = value }
            store.intents[id] = intent
            return id
        }
        if fields["confirm"] == "true" {
            guard fields["payment_method"] != nil else {
                return stripeError(
                    400, type: "invalid_request_error", code: "parameter_missing", message: "Missing payment_method",
                    param: "payment_method")
            }
            return confirm(id, method: fields["payment_method"])
        }
        return (200, render(store.withLock { $0.intents[id]! }))
    }

    /// Confirms with a test payment method: declines per Stripe's test cards and any
    /// scripted declines for the customer; a webhook follows either way.
    private func confirm(_ id: String, method: String?) -> (Int, String) {
        let outcome = store.withLock { store -> (intent: [String: String], declined: String?)? in
            guard var intent = store.intents[id] else { return nil }
            if intent["status"] == "succeeded" { return (intent, nil) }
            let customer = intent["customer"] ?? ""
            var declined: String? =
                switch method {
                case "pm_card_chargeDeclined": "generic_decline"
                case "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds"
                default: nil
                }
            if declined == nil, let remaining = store.declines[customer], remaining > 0 {
                store.declines[customer] = remaining - 1
                declined = "insufficient_funds"
            }
            intent["status"] = declined == nil ? "succeeded" : "requires_payment_method"
            intent["payment_method"] = method ?? ""
            store.intents[id] = intent
            return (intent, declined)
        }
        guard let outcome else {
            return stripeError(
                404, type: "invalid_request_error", code: "resource_missing", message: "No such payment_intent: '\(id)'"
            )
        }
        let body = render(outcome.intent)
        webhook.send(
            type: outcome.declined == nil ? "payment_intent.succeeded" : "payment_intent.payment_failed", object: body)
        if let declineCode = outcome.declined {
            return (
                402,
                #"{"error":{"type":"card_error","code":"card_declined","decline_code":"\#(declineCode)","message":"Your card was declined.","payment_intent":\#(body)}}"#
            )
        }
        return (200, body)
    }

    /// Cancels a PaymentIntent that has not succeeded, as Stripe does; a succeeded one is refused.
    private func cancel(_ id: String) -> (Int, String) {
        store.withLock { store -> (Int, String) in
            guard var intent = store.intents[id] else {
                return stripeError(
                    404, type: "invalid_request_error", code: "resource_missing",
                    message: "No such payment_intent: '\(id)'")
            }
            guard intent["status"] != "succeeded" else {
                return stripeError(
                    400, type: "invalid_request_error", code: "payment_intent_unexpected_state",
                    message: "You cannot cancel this PaymentIntent because it has a status of succeeded.")
            }
            intent["status"] = "canceled"
            store.intents[id] = intent
            return (200, render(intent))
        }
    }

    /// A refund of a succeeded PaymentIntent, at most what is left unrefunded.
    private func refund(_ fields: [String: String]) -> (Int, String) {
        let id = fields["payment_intent"] ?? ""
        return store.withLock { store -> (Int, String) in
            guard let intent = store.intents[id] else {
                return stripeError(
                    400, type: "invalid_request_error", code: "resource_missing",
                    message: "No such payment_intent: '\(id)'", param: "payment_intent")
            }
            guard intent["status"] == "succeeded" else {
                return stripeError(
                    400, type: "invalid_request_error", code: "charge_not_refundable",
                    message: "This PaymentIntent has no successful charge to refund.", param: "payment_intent")
            }
            let left = (Int(intent["amount"] ?? "0") ?? 0) - store.refunded[id, default: 0]
            let amount = fields["amount"].flatMap(Int.init) ?? left
            guard amount > 0, amount <= left else {
                return stripeError(
                    400, type: "invalid_request_error", code: "amount_too_large",
                    message: "Refund amount (\(amount)) is greater than unrefunded amount on charge (\(left))",
                    param: "amount")
            }
            store.refunded[id, default: 0] += amount
            store.sequence += 1
            let refund = [
                "id": "re_\(store.prefix)\(String(format: "%08d", store.sequence))", "payment_intent": id,
                "amount": "\(amount)",
                "currency": intent["currency"] ?? "usd", "created": "\(Int(Date().timeIntervalSince1970))",
            ]
            store.refunds.append(refund)
            return (200, json(Self.renderRefund(refund)))
        }
    }

    func render(_ intent: [String: String]) -> String {
        var object: [String: Any] = ["object": "payment_intent", "livemode": false, "metadata": [String: String]()]
        var metadata: [String: String] = [:]
        for (name, value) in intent {
            if name.hasPrefix("metadata[") {
                metadata[String(name.dropFirst(9).dropLast())] = value
                continue
            }
            object[name] = name == "amount" ? Int(value) ?? 0 : (value.isEmpty ? NSNull() as Any : value as Any)
        }
        object["metadata"] = metadata
        if intent["status"] == "succeeded" { object["amount_received"] = Int(intent["amount"] ?? "0") ?? 0 }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    func authorized(_ request: Request, _ body: ([String: String]) async throws -> (Int, String)) async throws
        -> Response
    {
        let (status, text): (Int, String)
        if request.headers[.authorization] != "Bearer \(credentials.secret)" {
            // Stripe names the key it was given, all but its last four characters masked.
            let given = request.headers[.authorization].map { String($0.dropFirst("Bearer ".count)) } ?? ""
            let masked =
                given.count > 4
                ? String(given.prefix(8)) + String(repeating: "*", count: max(given.count - 12, 4)) + given.suffix(4)
                : given
            (status, text) = stripeError(
                401, type: "invalid_request_error", code: nil, message: "Invalid API Key provided: \(masked)")
        } else if request.method == .post, let type = request.headers[.contentType],
            !type.hasPrefix("application/x-www-form-urlencoded")
        {
            (status, text) = stripeError(
                400, type: "invalid_request_error", code: nil,
                message: "Content-Type must be application/x-www-form-urlencoded")
        } else {
            (status, text) = try await body(try await request.formParameters())
        }
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Stripe's idempotency: the first reply to a key is stored and replayed; the same key
    /// with other parameters is an `idempotency_error`; failed validation stores nothing.
    func idempotent(_ request: Request, _ fields: [String: String], _ body: () -> (Int, String)) async throws -> (
        Int, String
    ) {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else { return body() }
        let fingerprint =
            "\(request.uri.path)?"
            + fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        if let (stored, status, reply) = store.withLock({ $0.replies[key] }) {
            guard stored == fingerprint else {
                return stripeError(
                    400, type: "idempotency_error", code: nil,
                    message:
                        "Keys for idempotent requests can only be used with the same parameters they were first used with."
                )
            }
            return (status, reply)
        }
        let (status, reply) = body()
        if status != 400 { store.withLock { $0.replies[key] = (fingerprint, status, reply) } }
        return (status, reply)
    }
}

func stripeError(_ status: Int, type: String, code: String?, message: String, param: String? = nil) -> (Int, String) {
    var detail: [String: Any] = ["type": type, "message": message, "doc_url": "https://stripe.com/docs/error-codes"]
    if let code { detail["code"] = code }
    if let param { detail["param"] = param }
    let data =
        (try? JSONSerialization.data(withJSONObject: ["error": detail], options: [.withoutEscapingSlashes])) ?? Data()
    return (status, String(decoding: data, as: UTF8.self))
}
