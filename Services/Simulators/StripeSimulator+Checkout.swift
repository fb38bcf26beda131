import Foundation
import HTTPTypes
import Hummingbird
import Money

/// Stripe Checkout: `POST /v1/checkout/sessions` (`mode=payment` or `mode=setup`),
/// `GET /v1/checkout/sessions/{id}`, and the hosted page at the session's `url`, where a
/// person types one of Stripe's test cards:
///
/// - 4242 4242 4242 4242 (Visa) and 5555 5555 5555 4444 (Mastercard) succeed;
/// - 4000 0000 0000 0002 is declined (`card_declined`), and the session stays open;
/// - 4000 0027 6000 3184 needs authentication: a 3D Secure page to complete or fail.
///
/// A payment creates a succeeded PaymentIntent carrying `payment_intent_data[metadata]`
/// (the card saved on the customer when `payment_intent_data[setup_future_usage]` is set),
/// a setup a succeeded SetupIntent; then the webhooks Stripe sends (`payment_intent.succeeded`
/// or `setup_intent.succeeded`, then `checkout.session.completed`), and a redirect to
/// `success_url` with `{CHECKOUT_SESSION_ID}` filled in.
extension StripeSimulator {
    enum TestCard: String {
        case succeeds = "4242424242424242"
        case mastercard = "5555555555554444"
        case declined = "4000000000000002"
        case needsAuthentication = "4000002760003184"
    }

    func addCheckoutRoutes(to router: Router<BasicRequestContext>) {
        router.post("v1/checkout/sessions") { request, _ in
            try await authorized(request) { fields in
                try await idempotent(request, fields) { createSession(fields) }
            }
        }
        router.get("v1/checkout/sessions/{id}") { request, context in
            try await authorized(request) { _ in
                guard let session = store.withLock({ $0.sessions[context.parameters.get("id") ?? ""] }) else {
                    return stripeError(
                        404, type: "invalid_request_error", code: "resource_missing",
                        message: "No such checkout.session: '\(context.parameters.get("id") ?? "")'")
                }
                return (200, renderSession(session))
            }
        }
        router.get("c/pay/{id}") { _, context in
            guard let session = store.withLock({ $0.sessions[context.parameters.get("id") ?? ""] }) else {
                return page(gone, status: .notFound)
            }
            return page(paymentForm(session, error: nil))
        }
        router.post("c/pay/{id}") { request, context in
            let id = context.parameters.get("id") ?? ""
            let fields = try await request.formParameters()
            return pay(id, card: (fields["card"] ?? "").filter(\.isNumber), authenticated: fields["authentication"])
        }
    }

    private func createSession(_ fields: [String: String]) -> (Int, String) {
        let mode = fields["mode"] ?? ""
        guard mode == "payment" || mode == "setup" else {
            return stripeError(
                400, type: "invalid_request_error", code: "parameter_invalid_string",
                message: "Invalid mode: must be one of payment, setup or subscription", param: "mode")
        }
        guard let success = fields["success_url"], success.hasPrefix("http") else {
            return stripeError(
                400, type: "invalid_request_error", code: "parameter_missing",
                message: "Missing required param: success_url.",
                param: "success_url")
        }
        var session = fields
        if mode == "payment" {
            let item = "line_items[0][price_data]"
            guard let amount = fields["\(item)[unit_amount]"].flatMap(Int.init), amount > 0 else {
                return stripeError(
                    400, type: "invalid_request_error", code: "parameter_invalid_integer",
                    message: "Invalid integer: \(fields["\(item)[unit_amount]"] ?? "")", param: "\(item)[unit_amount]")
            }
            guard let currency = fields["\(item)[currency]"], currency.count == 3, currency == currency.lowercased()
            else {
                return stripeError(
                    400, type: "invalid_request_error", code: "parameter_invalid_string", message: "Invalid currency",
                    param: "\(item)[currency]")
            }
            let quantity = fields["line_items[0][quantity]"].flatMap(Int.init) ?? 1
            session["amount_total"] = "\(amount * quantity)"
            session["currency"] = currency
            session["product"] = fields["\(item)[product_data][name]"] ?? "Payment"
        } else if fields["customer"] == nil {
            return stripeError(
                400, type: "invalid_request_error", code: "parameter_missing",
                message: "A customer is required to save a card in setup mode.", param: "customer")
        }
        let id = nextID("cs_test")
        session["id"] = id
        session["status"] = "open"
        session["payment_status"] = mode == "setup" ? "no_payment_required" : "unpaid"
        store.withLock { $0.sessions[id] = session }
        return (200, renderSession(session))
    }

    /// What the hosted page's form posted: a payment, a decline shown on the page, or the
    /// authentication step first.
    private func pay(_ id: String, card: String, authenticated: String?) -> Response {
        guard let session = store.withLock({ $0.sessions[id] }) else { return page(gone, status: .notFound) }
        guard session["status"] == "open" else { return redirect(session) }
        switch TestCard(rawValue: card) {
        case .succeeds?, .mastercard?:
            break
        case .needsAuthentication? where authenticated == nil:
            return page(authenticationForm(session, card: card))
        case .needsAuthentication? where authenticated != "complete":
            failAttempt(session)
            return page(
                paymentForm(
                    session,
                    error:
                        "We are unable to authenticate your payment method. Please choose a different payment method and try again."
                ),
                status: .init(code: 402))
        case .needsAuthentication?:
            break
        case .declined?:
            failAttempt(session)
            return page(
                paymentForm(session, error: "Your card was declined. Please try a different card."),
                status: .init(code: 402))
        case nil:
            return page(paymentForm(session, error: "Your card number is invalid."), status: .badRequest)
        }
        complete(session, card: card)
        return redirect(store.withLock { $0.sessions[id] } ?? session)
    }

    /// A declined attempt: Stripe records it on the session's PaymentIntent and says so.
    private func failAttempt(_ session: [String: String]) {
        guard session["mode"] == "payment" else { return }
        var intent = intentFields(session, status: "requires_payment_method")
        intent["last_payment_error"] = "card_declined"
        store.withLock { $0.intents[intent["id"]!] = intent }
        webhook.send(type: "payment_intent.payment_failed", object: render(intent))
    }

    private func complete(_ session: [String: String], card: String) {
        var session = session
        let method = nextID("pm")
        if session["mode"] == "payment" {
            var intent = intentFields(session, status: "succeeded")
            intent["payment_method"] = method
            if let usage = session["payment_intent_data[setup_future_usage]"] {
                intent["setup_future_usage"] = usage
                if let customer = session["customer"] { saveCard(method, customer: customer, card: card) }
            }
            session["payment_intent"] = intent["id"]
            session["payment_status"] = "paid"
            store.withLock { $0.intents[intent["id"]!] = intent }
            webhook.send(type: "payment_intent.succeeded", object: render(intent))
        } else {
            let setup = nextID("seti")
            session["setup_intent"] = setup
            let object: [String: Any] = [
                "id": setup, "object": "setup_intent", "status": "succeeded", "customer": session["customer"] ?? "",
                "payment_method": method, "usage": "off_session", "livemode": false,
            ]
            store.withLock { $0.setupIntents[setup] = object.mapValues { "\($0)" } }
            if let customer = session["customer"] { saveCard(method, customer: customer, card: card) }
            webhook.send(type: "setup_intent.succeeded", object: json(object))
        }
        session["status"] = "complete"
        session["card_last4"] = String(card.suffix(4))
        store.withLock { $0.sessions[session["id"]!] = session }
        webhook.send(type: "checkout.session.completed", object: renderSession(session))
    }

    /// The PaymentIntent a session's payment makes (the one for its latest attempt).
    private func intentFields(_ session: [String: String], status: String) -> [String: String] {
        var intent = [
            "id": nextID("pi"), "amount": session["amount_total"] ?? "0", "currency": session["currency"] ?? "usd",
            "status": status, "customer": session["customer"] ?? "", "description": session["product"] ?? "",
        ]
        for (name, value) in session where name.hasPrefix("payment_intent_data[metadata][") {
            intent["metadata[\(name.dropFirst("payment_intent_data[metadata][".count).dropLast())]"] = value
        }
        return intent
    }

    func renderSession(_ session: [String: String]) -> String {
        var metadata: [String: String] = [:]
        for (name, value) in session where name.hasPrefix("metadata[") {
            metadata[String(name.dropFirst(9).dropLast())] = value
        }
        let open = session["status"] == "open"
        let object: [String: Any] = [
            "id": session["id"] ?? "", "object": "checkout.session", "mode": session["mode"] ?? "",
            "status": session["status"] ?? "",
            "payment_status": session["payment_status"] ?? "", "customer": session["customer"] ?? NSNull(),
            "client_reference_id": session["client_reference_id"] ?? NSNull(),
            "amount_total": session["amount_total"].flatMap(Int.init) ?? NSNull(),
            "currency": session["currency"] ?? NSNull(),
            "payment_intent": session["payment_intent"] ?? NSNull(),
            "setup_intent": session["setup_intent"] ?? NSNull(),
            "success_url": session["success_url"] ?? "", "cancel_url": session["cancel_url"] ?? NSNull(),
            "url": open ? "\(publicURL)/c/pay/\(session["id"] ?? "")" : NSNull(), "metadata": metadata,
            "livemode": false,
        ]
        return json(object)
    }

    func json(_ object: [String: Any]) -> String {
        String(
            decoding: (try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data(), as: UTF8.self)
    }

    private func redirect(_ session: [String: String]) -> Response {
        let target = (session["success_url"] ?? "/").replacingOccurrences(
            of: "{CHECKOUT_SESSION_ID}", with: session["id"] ?? "")
        return Response(status: .seeOther, headers: [.location: target])
    }

    // MARK: The hosted page

    private var gone: String { "<h1>This payment page has expired</h1><p>Go back to the shop and start again.</p>" }

    private func paymentForm(_ session: [String: String], error: String?) -> String {
        let currency = (session["currency"] ?? "").uppercased()
        let amount = session["amount_total"].flatMap(Int.init).map { "\(MoneyText.decimal($0, currency)) \(currency)" }
        let title =
            session["mode"] == "setup" ? "Save a card for future payments" : "Pay \(escape(session["product"] ?? ""))"
        return """
            <h1>\(title)</h1>
            \(amount.map { "<p class=amount>\($0)</p>" } ?? "")
            \(error.map { "<p class=error role=alert>\(escape($0))</p>" } ?? "")
            <form method=post>
              <label for=card>Card number</label>
              <input id=card name=card inputmode=numeric autocomplete=cc-number placeholder="1234 1234 1234 1234" required>
              <div class=row>
                <div><label for=exp>Expiry</label><input id=exp name=exp autocomplete=cc-exp placeholder="MM / YY" required></div>
                <div><label for=cvc>CVC</label><input id=cvc name=cvc autocomplete=cc-csc placeholder="CVC" required></div>
              </div>
              <label for=holder>Name on card</label>
              <input id=holder name=holder autocomplete=cc-name>
              <button type=submit>\(session["mode"] == "setup" ? "Save card" : "Pay")</button>
            </form>
            \(session["cancel_url"].map { "<p><a href=\"\(escape($0))\">Cancel and go back</a></p>" } ?? "")
            <p class=test>Test mode: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined, 4000 0027 6000 3184 asks for authentication.</p>
            """
    }

    private func authenticationForm(_ session: [String: String], card: String) -> String {
        """
        <h1>Confirm this payment with your bank</h1>
        <p>Test mode: this stands in for your bank's 3D Secure check.</p>
        <form method=post>
          <input type=hidden name=card value="\(card)">
          <button type=submit name=authentication value=complete>Complete authentication</button>
          <button type=submit name=authentication value=fail class=secondary>Fail authentication</button>
        </form>
        """
    }

    private func page(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        let html = """
            <!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content="width=device-width, initial-scale=1">
            <title>Checkout (Stripe simulator)</title><style>
            body{font-family:system-ui,sans-serif;background:#f6f9fc;color:#1a1f36;margin:0;padding:2rem 1rem}
            main{max-width:26rem;margin:0 auto;background:#fff;border-radius:8px;padding:1.5rem;box-shadow:0 2px 8px #0002}
            label{display:block;font-weight:600;margin:.75rem 0 .25rem}input{width:100%;box-sizing:border-box;padding:.6rem;font:inherit;border:1px solid #8792a2;border-radius:6px}
            .row{display:flex;gap:1rem}.row div{flex:1}button{margin-top:1rem;width:100%;padding:.7rem;font:inherit;font-weight:600;background:#0a2540;color:#fff;border:0;border-radius:6px}
            button.secondary{background:#fff;color:#0a2540;border:1px solid #0a2540}.amount{font-size:1.6rem;font-weight:700}
            .error{color:#a4262c;font-weight:600}.test{color:#4f566b;font-size:.85rem}a{color:#0a2540}
            </style></head><body><main>\(body)</main></body></html>
            """
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
