import Contracts
import Foundation
import WireCodec
import ZeroMQ

/// Hands every `E` published on the broker's XPUB at `endpoint` to `handle`, with the moment
/// it arrived, while `body` runs.
func withEvents<E: Event, R>(
    _ type: E.Type, from endpoint: String, _ handle: @escaping @Sendable (E, ContinuousClock.Instant) -> Void,
    _ body: () async throws -> R
) async throws -> R {
    let loop = try await MessageLoop(
        context: ZMQContext(), name: "load-\(E.wireName)",
        sockets: [
            SocketSpec(.sub, [.connect(endpoint)], options: try BusKeys.options(as: nil), subscriptions: [E.topic])
        ])
    let watcher = Task {
        for await batch in loop.messages {
            let now = ContinuousClock.now
            for message in batch where message.frames.count == 2 {
                if let envelope = try? WireCoding.decode(Envelope<E>.self, from: message.frames[1]) {
                    handle(envelope.payload, now)
                }
            }
        }
    }
    // The subscription has to reach the publishers through the broker before anything is sent.
    try await Task.sleep(for: .milliseconds(300))
    do {
        let result = try await body()
        await loop.stop()
        await watcher.value
        return result
    } catch {
        await loop.stop()
        throw error
    }
}
