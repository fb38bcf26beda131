import ExternalHTTP
import Foundation
import Logging
import NIOHTTP1
import Payments
import Synchronization

/// Delivers Stripe events to every configured endpoint (`SIM_WEBHOOK_URL`, comma-separated),
/// signed with `SIM_WEBHOOK_SECRET`, retrying with backoff until each answers 2xx, as Stripe does.
final class WebhookSender: Sendable {
    struct Delivery: Codable, Sendable {
        let id: String
        let type: String
        let endpoint: String
        let payload: String
        var attempts: Int
        var delivered: Bool
    }

    let endpoints: [String]
    let signature: WebhookSignature
    let logger: Logger
    private let deliveries = Mutex<[Delivery]>([])

    init(environment: [String: String], logger: Logger) {
        endpoints = (environment["SIM_WEBHOOK_URL"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        .filter { !$0.isEmpty }
        signature = WebhookSignature(secret: environment["SIM_WEBHOOK_SECRET"] ?? "whsec_sandbox")
        self.logger = logger
    }

    var delivered: [Delivery] { deliveries.withLock { $0 } }

    /// Wraps `object` (a JSON object) in an event envelope and delivers it in the background.
    func send(type: String, object: String) {
        let id = "evt_sim\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased())"
        let payload =
            #"{"api_version":"2024-06-20","created":\#(Int(Date().timeIntervalSince1970)),"data":{"object":\#(object)},"id":"\#(id)","livemode":false,"object":"event","pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"type":"\#(type)"}"#
        for endpoint in endpoints { deliver(id: id, type: type, payload: payload, to: endpoint) }
    }

    private func deliver(id: String, type: String, payload: String, to endpoint: String) {
        let index = deliveries.withLock { list in
            list.append(
                Delivery(id: id, type: type, endpoint: endpoint, payload: payload, attempts: 0, delivered: false))
            return list.count - 1
        }
        guard let url = URL(string: endpoint) else { return }
        Task {
            let client = ExternalHTTPClient(
                baseURL: "\(url.scheme ?? "http")://\(url.host ?? "127.0.0.1"):\(url.port ?? 80)", timeout: .seconds(10)
            )
            var wait = 0.5
            for _ in 0..<50 {
                deliveries.withLock { $0[index].attempts += 1 }
                let header = signature.header(for: Array(payload.utf8))
                if let response = try? await client.send(
                    .POST, url.path, headers: [("Stripe-Signature", header)],
                    body: payload, contentType: "application/json"),
                    (200..<300).contains(response.status)
                {
                    deliveries.withLock { $0[index].delivered = true }
                    return
                }
                try? await Task.sleep(for: .seconds(wait))
                wait = min(wait * 2, 30)
            }
            logger.warning("webhook \(id) not delivered to \(endpoint) after 50 attempts")
        }
    }
}
