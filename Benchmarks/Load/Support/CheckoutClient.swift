import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Payments

/// Places orders over checkout's API and pays them with signed `payment_intent.succeeded`
/// webhooks, acting as Stripe; several checkout instances are used in turn.
struct CheckoutClient: Sendable {
    let baseURLs: [String]
    let webhookSecret: String
    let product: String

    /// An order placed and paid: its id and domain.
    struct Paid: Sendable {
        let orderID: UUID
        let domain: String
        var contactEmail: String { "owner@\(domain)" }
    }

    /// Places order `number` for a fresh domain and pays it; `paying` runs just before the webhook is sent.
    func placeAndPay(_ number: Int, runID: String, paying: (Paid) -> Void) async throws {
        let baseURL = baseURLs[number % baseURLs.count]
        let domain = Samples.domain(number, runID: runID)
        let body =
            #"{"customer":{"email":"owner@\#(domain)","name":"Load \#(number)"},"product_id":"\#(product)","billing_cycle":"monthly","currency":"USD","domain":"\#(domain)"}"#
        let placed = try await post(baseURL + "/api/orders", body: body, headers: [:])
        if placed.status == 503 { throw Refused() }
        guard placed.status == 201,
            let json = try JSONSerialization.jsonObject(with: Data(placed.body.utf8)) as? [String: Any],
            let id = (json["id"] as? String).flatMap(UUID.init(uuidString:)),
            let intent = (json["payment"] as? [String: Any])?["payment_intent"] as? String,
            let amount = (json["total"] ?? json["amount"]) as? Int
        else {
            throw LoadError("order \(number) not placed: \(placed.status) \(placed.body.prefix(200))")
        }
        let event =
            #"{"id":"evt_load_\#(runID)_\#(number)","object":"event","created":\#(Int(Date().timeIntervalSince1970)),"type":"payment_intent.succeeded","data":{"object":{"id":"\#(intent)","object":"payment_intent","status":"succeeded","amount":\#(amount),"currency":"usd","metadata":{"order_id":"\#(id.uuidString)"}}}}"#
        let signature = WebhookSignature(secret: webhookSecret).header(for: Array(event.utf8))
        paying(Paid(orderID: id, domain: domain))
        // Stripe delivers a webhook again after a refusal, as here after Retry-After.
        var paid = try await post(baseURL + "/webhooks/stripe", body: event, headers: ["Stripe-Signature": signature])
        for _ in 0..<30 where paid.status == 503 {
            try await Task.sleep(for: .seconds(1))
            paid = try await post(baseURL + "/webhooks/stripe", body: event, headers: ["Stripe-Signature": signature])
        }
        guard paid.status == 200 else {
            throw LoadError("order \(number) not paid: \(paid.status) \(paid.body.prefix(200))")
        }
    }

    private func post(_ url: String, body: String, headers: [String: String]) async throws -> (
        status: Int, body: String
    ) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }
}
