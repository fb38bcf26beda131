import AsyncHTTPClient
import Contracts
import Foundation
import Histogram
import NIOCore
import Payments
import Synchronization
import ZeroMQ

/// Orders → signed payment webhooks → `account.provisioned`, timed per order.
final class CheckoutStage: Sendable {
    let options: LoadMain
    init(options: LoadMain) { self.options = options }
    let started = Mutex<[UUID: ContinuousClock.Instant]>([:])
    let results = Mutex(Results())

    struct Results {
        var latency = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var placed = 0, paid = 0, provisioned = 0, errors = 0
        var firstPaid: ContinuousClock.Instant?
        var lastProvisioned: ContinuousClock.Instant?
    }

    func run() async throws -> String {
        let listener = try await MessageLoop(context: ZMQContext(), name: "load-events", sockets: [
            SocketSpec(.sub, [.connect(options.events)], subscriptions: [AccountProvisioned.topic]),
        ])
        try await Task.sleep(for: .milliseconds(300))
        let watcher = Task { await self.watch(listener) }
        let progress = Task { await self.printProgress() }
        let runID = String(UUID().uuidString.prefix(6)).lowercased()
        let total = options.rate * options.duration
        let interval = Duration.seconds(1) / options.rate
        let begin = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for number in 0..<total {
                try? await Task.sleep(until: begin + interval * number, clock: .continuous)
                if inFlight >= options.concurrency {
                    await group.next()
                    inFlight -= 1
                }
                inFlight += 1
                group.addTask { await self.order(number, runID: runID) }
            }
        }
        let deadline = ContinuousClock.now + .seconds(options.drain)
        while ContinuousClock.now < deadline, results.withLock({ $0.provisioned < $0.paid }) {
            try? await Task.sleep(for: .milliseconds(100))
        }
        progress.cancel()
        watcher.cancel()
        await listener.stop()
        return report(offered: total)
    }

    private func order(_ number: Int, runID: String) async {
        let domain = "load-\(runID)-\(number).example"
        do {
            let body = #"{"customer":{"email":"owner@\#(domain)","name":"Load \#(number)"},"product_id":"\#(options.product)","billing_cycle":"monthly","currency":"USD","domain":"\#(domain)"}"#
            let placed = try await post("/api/orders", body: body, headers: [:])
            guard placed.status == 201,
                  let json = try JSONSerialization.jsonObject(with: Data(placed.body.utf8)) as? [String: Any],
                  let id = (json["id"] as? String).flatMap(UUID.init(uuidString:)),
                  let intent = (json["payment"] as? [String: Any])?["payment_intent"] as? String,
                  let amount = json["amount"] as? Int else {
                results.withLock { $0.errors += 1 }
                return
            }
            results.withLock { $0.placed += 1 }
            let event = #"{"id":"evt_load_\#(runID)_\#(number)","object":"event","created":\#(Int(Date().timeIntervalSince1970)),"type":"payment_intent.succeeded","data":{"object":{"id":"\#(intent)","object":"payment_intent","status":"succeeded","amount":\#(amount),"currency":"usd","metadata":{"order_id":"\#(id.uuidString)"}}}}"#
            let signature = WebhookSignature(secret: options.webhookSecret).header(for: Array(event.utf8))
            let now = ContinuousClock.now
            started.withLock { $0[id] = now }
            let paid = try await post("/webhooks/stripe", body: event, headers: ["Stripe-Signature": signature])
            results.withLock { results in
                if paid.status == 200 {
                    results.paid += 1
                    results.firstPaid = results.firstPaid ?? now
                } else {
                    results.errors += 1
                }
            }
        } catch {
            results.withLock { $0.errors += 1 }
        }
    }

    private func watch(_ listener: MessageLoop) async {
        for await batch in listener.messages {
            let now = ContinuousClock.now
            for message in batch {
                guard message.frames.count == 2,
                      let envelope = try? WireCoding.decode(Envelope<AccountProvisioned>.self, from: message.frames[1]),
                      let start = started.withLock({ $0.removeValue(forKey: envelope.payload.orderID) }) else { continue }
                let micros = UInt64((now - start) / .microseconds(1))
                results.withLock { results in
                    _ = results.latency.record(micros)
                    results.provisioned += 1
                    results.lastProvisioned = now
                }
            }
        }
    }

    private func printProgress() async {
        let begin = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let (placed, paid, provisioned, errors) = results.withLock { ($0.placed, $0.paid, $0.provisioned, $0.errors) }
            let elapsed = Int((ContinuousClock.now - begin) / .seconds(1))
            FileHandle.standardError.write(Data("\r[\(elapsed)s] placed \(placed)  paid \(paid)  provisioned \(provisioned)  errors \(errors)   ".utf8))
        }
    }

    private func report(offered: Int) -> String {
        results.withLock { results in
            let span = zip(results.firstPaid, results.lastProvisioned).map { ($1 - $0) / .seconds(1) } ?? 0
            let rate = span > 0 ? Double(results.provisioned) / span : 0
            func ms(_ percentile: Double) -> String {
                String(format: "%.0f ms", Double(results.latency.valueAtPercentile(percentile)) / 1000)
            }
            return """

                stage checkout: \(offered) orders offered at \(options.rate)/s for \(options.duration) s
                placed \(results.placed), paid \(results.paid), provisioned \(results.provisioned), errors \(results.errors)
                throughput \(String(format: "%.1f", rate)) accounts/s (first payment to last account.provisioned)
                webhook → account.provisioned: p50 \(ms(50)), p90 \(ms(90)), p99 \(ms(99)), max \(ms(100))
                """
        }
    }

    private func post(_ path: String, body: String, headers: [String: String]) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: options.checkout + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
