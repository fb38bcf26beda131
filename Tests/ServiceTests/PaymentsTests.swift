import ExternalHTTP
import Foundation
import NIOHTTP1
import Payments
import Testing
import TestSupport

/// The Stripe adapter against the Stripe simulator, and webhook signatures.
@Suite struct PaymentsTests {
    func withStripe(_ body: (StripeGateway, ServiceProcess) async throws -> Void) async throws {
        let process = ServiceProcess(executable: "hostwire-simulator", environment: [
            // Nobody listens there: the deliveries are recorded (and retried) all the same.
            "HOSTWIRE_SIMULATOR": "stripe", "SIM_SECRET": "sk_test_payments", "SIM_WEBHOOK_URL": "http://127.0.0.1:9/webhooks",
        ], httpPort: freePort(), logName: "payments-stripe")
        try await process.start()
        defer { process.kill() }
        try await body(StripeGateway(baseURL: "http://127.0.0.1:\(process.httpPort)", secretKey: "sk_test_payments",
                                     timeout: .seconds(5)), process)
    }

    let request = PaymentRequest(amount: 1_299, currency: "EUR", description: "Pro Hosting (monthly)", metadata: ["invoice_id": "inv-1"])

    @Test func anIdempotencyKeyCreatesOnePaymentAndRefusesOtherParameters() async throws {
        try await withStripe { stripe, _ in
            let first = try await stripe.createPaymentIntent(request, customer: nil, idempotencyKey: "order-1")
            let again = try await stripe.createPaymentIntent(request, customer: nil, idempotencyKey: "order-1")
            #expect(first == again)
            #expect(first.currency == "eur")
            #expect(first.metadata["invoice_id"] == "inv-1")
            var other = request
            other.amount = 1_300
            await #expect(throws: PaymentError.self) { try await stripe.createPaymentIntent(other, customer: nil, idempotencyKey: "order-1") }
            #expect(try await stripe.createPaymentIntent(other, customer: nil, idempotencyKey: "order-2").id != first.id)
        }
    }

    @Test func offSessionChargesSucceedOrDeclineAsStripesTestCardsDo() async throws {
        try await withStripe { stripe, _ in
            let paid = try await stripe.chargeOffSession(request, customer: "cus_1", paymentMethod: "pm_card_visa", idempotencyKey: "inv-1-1")
            #expect(paid.status == "succeeded")
            await #expect(throws: PaymentError.declined(code: "card_declined", message: "Your card was declined.")) {
                try await stripe.chargeOffSession(request, customer: "cus_1", paymentMethod: "pm_card_chargeDeclined",
                                                  idempotencyKey: "inv-1-2")
            }
            // The same key replays the stored decline rather than charging again.
            await #expect(throws: PaymentError.self) {
                try await stripe.chargeOffSession(request, customer: "cus_1", paymentMethod: "pm_card_chargeDeclined",
                                                  idempotencyKey: "inv-1-2")
            }
        }
    }

    /// Stripe Checkout as the portal uses it: one hosted page per key, a declined test card
    /// leaves it open, 4242 pays it with the request's metadata on the PaymentIntent.
    @Test func checkoutPagesAreOnePerKeyAndPaidWithStripesTestCards() async throws {
        try await withStripe { stripe, process in
            let base = "http://127.0.0.1:\(process.httpPort)"
            let returnTo = CheckoutReturn(success: "\(base)/ready?session={CHECKOUT_SESSION_ID}", cancel: "\(base)/ready")
            let page = try await stripe.createCheckoutPage(request, customer: "cus_1", returnTo: returnTo, idempotencyKey: "order-9")
            #expect(try await stripe.createCheckoutPage(request, customer: "cus_1", returnTo: returnTo, idempotencyKey: "order-9") == page)
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
            let session = try await api.send(.GET, "/v1/checkout/sessions/\(page.id)", headers: [("Authorization", "Bearer sk_test_payments")])
            let object = try JSONSerialization.jsonObject(with: Data(session.body.utf8)) as? [String: Any] ?? [:]
            #expect(object["status"] as? String == "complete" && object["payment_status"] as? String == "paid")
            let events = try await api.send(.GET, "/__sim/events").body
            #expect(events.contains("payment_intent.payment_failed") && events.contains("payment_intent.succeeded")
                    && events.contains("checkout.session.completed"))
            #expect(events.contains(#"invoice_id\":\"inv-1"#), "the payment carries the request's metadata")
            let missing = try await api.send(.GET, "/v1/checkout/sessions/cs_test_none", headers: [("Authorization", "Bearer sk_test_payments")])
            #expect(missing.status == 404 && missing.body.contains("resource_missing"))
        }
    }

    @Test func aWrongKeyOrAnUnreachableProviderIsReportedAsSuch() async throws {
        try await withStripe { _, process in
            let wrong = StripeGateway(baseURL: "http://127.0.0.1:\(process.httpPort)", secretKey: "sk_test_wrong")
            await #expect(throws: PaymentError.self) { try await wrong.createPaymentIntent(request, customer: nil, idempotencyKey: "k") }
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
        #expect(throws: WebhookSignatureError.outsideTolerance) { try signature.verify(body, header: header, now: now.addingTimeInterval(301)) }
        #expect(throws: WebhookSignatureError.mismatch) { try signature.verify(body + [32], header: header, now: now) }
        #expect(throws: WebhookSignatureError.mismatch) { try signature.verify(body, header: rolled, now: now) }
        #expect(throws: WebhookSignatureError.malformed) { try signature.verify(body, header: "t=1", now: now) }
        #expect(throws: WebhookSignatureError.malformed) { try signature.verify(body, header: "", now: now) }
    }
}
