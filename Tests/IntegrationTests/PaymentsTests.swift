import ExternalHTTP
import Foundation
import NIOHTTP1
import Payments
import TestSupport
import Testing

/// The Stripe adapter against the Stripe simulator, and webhook signatures.
@Suite struct PaymentsTests {
    func withStripe(_ body: (StripeGateway, ServiceProcess) async throws -> Void) async throws {
        let process = ServiceProcess(
            executable: "hostwire-simulator",
            environment: [
                // Nobody listens there: the deliveries are recorded (and retried) all the same.
                "HOSTWIRE_SIMULATOR": "stripe", "SIM_SECRET": "sk_test_payments",
                "SIM_WEBHOOK_URL": "http://127.0.0.1:9/webhooks",
            ], httpPort: freePort(), logName: "payments-stripe")
        try await process.start()
        defer { process.kill() }
        try await body(
            StripeGateway(
                baseURL: "http://127.0.0.1:\(process.httpPort)", secretKey: "sk_test_payments",
                timeout: .seconds(5)), process)
    }

    let request = PaymentRequest(
        amount: 1_299, currency: "EUR", description: "Pro Hosting (monthly)", metadata: ["invoice_id": "inv-1"])

    @Test func anIdempotencyKeyCreatesOnePaymentAndRefusesOtherParameters() async throws {
        try await withStripe { stripe, _ in
            let first = try await stripe.createPaymentIntent(request, customer: nil, idempotencyKey: "order-1")
            let again = try await stripe.createPaymentIntent(request, customer: nil, idempotencyKey: "order-1")
            #expect(first == again)
            #expect(first.currency == "eur")
            #expect(first.metadata["invoice_id"] == "inv-1")
            var other = request
            other.amount = 1_300
            await #expect(throws: PaymentError.self) {
                try await stripe.createPaymentIntent(other, customer: nil, idempotencyKey: "order-1")
            }
            #expect(
                try await stripe.createPaymentIntent(other, customer: nil, idempotencyKey: "order-2").id != first.id)
        }
    }

    @Test func offSessionChargesSucceedOrDeclineAsStripesTestCardsDo() async throws {
        try await withStripe { stripe, _ in
            let paid = try await stripe.chargeOffSession(
                request, customer: "cus_1", paymentMethod: "pm_card_visa", idempotencyKey: "inv-1-1")
            #expect(paid.status == "succeeded")
            await #expect(throws: PaymentError.declined(code: "card_declined", message: "Your card was declined.")) {
                try await stripe.chargeOffSession(
                    request, customer: "cus_1", paymentMethod: "pm_card_chargeDeclined",
                    idempotencyKey: "inv-1-2")
            }
            // The same key replays the stored decline rather than charging again.
            await #expect(throws: PaymentError.self) {
                try await stripe.chargeOffSession(
                    request, customer: "cus_1", paymentMethod: "pm_card_chargeDeclined",
                    idempotencyKey: "inv-1-2")
            }
        }
    }

    /// Stripe Checkout as the portal uses it: one hosted page per key, a declined test card
    /// leaves it open, 4242 pays it with the request's metadata on the PaymentIntent.
    @Test func checkoutPagesAreOnePerKeyAndPaidWithStripesTestCards() async throws {
        try await withStripe { stripe, process in
            let base = "http://127.0.0.1:\(process.httpPort)"
            let returnTo = CheckoutReturn(
                success: "\(base)/ready?session={CHECKOUT_SESSION_ID}", cancel: "\(base)/ready")
            let page = try await stripe.createCheckoutPage(
                request, customer: "cus_1", returnTo: returnTo, idempotencyKey: "order-9")
            #expect(
                try await stripe.createCheckoutPage(
                    request, customer: "cus_1", returnTo: returnTo, idempotencyKey: "order-9") == page)
            let url = try #require(page.url)
            #expect(page.status == "open" && url.hasPrefix("\(base)/c/pay/cs_test_"))
            let hosted = ExternalHTTPClient(baseURL: base)
            let path = String(url.dropFirst(base.count))
            let declined = try await hosted.send(.POST, path, body: "card=4000+0000+0000+0002&exp=12%2F34&cvc=123")
            #expect(declined.status == 402 && declined.body.contains("Your card was declined"))
            // Paying follows Stripe's redirect to the success URL (here the simulator's own /ready).
            let paid = try await hosted.send(.POST, path, body: "card=4242424242424242&exp=12%2F34&cvc=123")
            #expect(paid.status == 200 && paid.body == "ready")
            let api = ExternalHTTPClient(baseURL: base)
            let session = try await api.send(
                .GET, "/v1/checkout/sessions/\(page.id)", headers: [("Authorization", "Bearer sk_test_payments")])
            let object = try JSONSerialization.jsonObject(with: Data(session.body.utf8)) as? [String: Any] ?? [:]
            #expect(object["status"] as? String == "complete" && object["payment_status"] as? String == "paid")
            let events = try await api.send(.GET, "/__sim/events").body
            #expect(
                events.contains("payment_intent.payment_failed") && events.contains("payment_intent.succeeded")
                    && events.contains("checkout.session.completed"))
            #expect(events.contains(#"invoice_id\":\"inv-1"#), "the payment carries the request's metadata")
            let missing = try await api.send(
                .GET, "/v1/checkout/sessions/cs_test_none", headers: [("Authorization", "Bearer sk_test_payments")])
            #expect(missing.status == 404 && missing.body.contains("resource_missing"))
        }
    }

    /// Replacing a card (`mode=setup`) saves it on the customer: listed among the customer's
    /// payment methods, with the SetupIntent retrievable; customers are listed by email; an
    /// unknown URL and a bad key answer in Stripe's error shape.
    @Test func aSetupSessionSavesACardTheCustomerListsShow() async throws {
        try await withStripe { stripe, process in
            let base = "http://127.0.0.1:\(process.httpPort)"
            let api = ExternalHTTPClient(baseURL: base)
            let key = [("Authorization", "Bearer sk_test_payments")]
            func json(_ response: ExternalResponse) -> [String: Any] {
                (try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) as? [String: Any] ?? [:]
            }
            let customer = try await stripe.createCustomer(
                email: "card@example.net", name: "Card Owner", metadata: [:], idempotencyKey: "c-1")
            let listed = json(try await api.send(.GET, "/v1/customers?email=card%40example.net", headers: key))
            #expect(
                listed["object"] as? String == "list"
                    && (listed["data"] as? [[String: Any]])?.first?["id"] as? String == customer)
            let created = try await api.send(
                .POST, "/v1/checkout/sessions", headers: key,
                body: "mode=setup&customer=\(customer)&success_url=\(base)/ready&cancel_url=\(base)/ready",
                contentType: "application/x-www-form-urlencoded")
            let session = json(created)
            let url = try #require(session["url"] as? String, "\(created.body)")
            let saved = try await api.send(
                .POST, String(url.dropFirst(base.count)), body: "card=4242424242424242&exp=12%2F34&cvc=123",
                contentType: "application/x-www-form-urlencoded")
            #expect(saved.status == 200)
            let methods = json(
                try await api.send(.GET, "/v1/payment_methods?customer=\(customer)&type=card", headers: key))
            let card = (methods["data"] as? [[String: Any]])?.first?["card"] as? [String: Any]
            #expect(card?["last4"] as? String == "4242")
            let same = json(try await api.send(.GET, "/v1/customers/\(customer)/payment_methods", headers: key))
            #expect((same["data"] as? [[String: Any]])?.count == 1)
            let completed = json(
                try await api.send(.GET, "/v1/checkout/sessions/\(session["id"] as? String ?? "")", headers: key))
            let setup = try #require(completed["setup_intent"] as? String)
            #expect(
                json(try await api.send(.GET, "/v1/setup_intents/\(setup)", headers: key))["status"] as? String
                    == "succeeded")

            let unknown = try await api.send(.GET, "/v1/nothing_here", headers: key)
            #expect(unknown.status == 404 && unknown.body.contains("Unrecognized request URL (GET: /v1/nothing_here)"))
            let badKey = try await api.send(
                .GET, "/v1/customers", headers: [("Authorization", "Bearer sk_test_wrong_key_1234")])
            #expect(
                badKey.status == 401 && badKey.body.contains("Invalid API Key provided: sk_test_")
                    && badKey.body.contains("1234")
                    && !badKey.body.contains("wrong_key"))
        }
    }

    @Test func aWrongKeyOrAnUnreachableProviderIsReportedAsSuch() async throws {
        try await withStripe { _, process in
            let wrong = StripeGateway(baseURL: "http://127.0.0.1:\(process.httpPort)", secretKey: "sk_test_wrong")
            await #expect(throws: PaymentError.self) {
                try await wrong.createPaymentIntent(request, customer: nil, idempotencyKey: "k")
            }
        }
        let nowhere = StripeGateway(baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk", timeout: .seconds(2))
        do {
            _ = try await nowhere.createPaymentIntent(request, customer: nil, idempotencyKey: "k")
            Issue.record("a call to a closed port succeeded")
        } catch let error as PaymentError {
            #expect({ if case .unavailable = error { true } else { false } }(), "\(error)")
        }
    }

    @Test func webhookSignaturesFollowStripesScheme() throws {
        let signature = WebhookSignature(secret: "whsec_abc")
        let body = Array(#"{"id":"evt_1"}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let header = signature.header(for: body, at: now)
        try signature.verify(body, header: header, now: now)
        try signature.verify(body, header: header, now: now.addingTimeInterval(300))
        // Any v1 may match, so a rolled secret's old signature beside the new one passes.
        let rolled = WebhookSignature(secret: "whsec_old").header(for: body, at: now)
        try signature.verify(body, header: rolled + "," + header.split(separator: ",")[1], now: now)
        #expect(throws: WebhookSignatureError.outsideTolerance) {
            try signature.verify(body, header: header, now: now.addingTimeInterval(301))
        }
        #expect(throws: WebhookSignatureError.mismatch) { try signature.verify(body + [32], header: header, now: now) }
        #expect(throws: WebhookSignatureError.mismatch) { try signature.verify(body, header: rolled, now: now) }
        #expect(throws: WebhookSignatureError.malformed) { try signature.verify(body, header: "t=1", now: now) }
        #expect(throws: WebhookSignatureError.malformed) { try signature.verify(body, header: "", now: now) }
    }
}
