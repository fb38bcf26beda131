import Foundation
import ZeroMQ

/// The broker alone: 200-byte messages pushed into its command PULL, addressed to one queue,
/// and pulled from that queue by `--consumers` consumers (each its own socket and thread),
/// each timed by the send time it carries.
struct BusStage {
    let options: LoadMain
    static let size = 200

    func run() async throws -> String {
        let delivered = LatencyRecorder()
        let (queue, endpoint) = try options.busQueue()
        let context = ZMQContext()
        var consumers: [MessageLoop] = []
        for index in 0..<options.consumers {
            consumers.append(
                try await MessageLoop(
                    context: context, name: "load-bus-\(index)",
                    sockets: [
                        SocketSpec(.pull, [.connect(endpoint)], options: try BusKeys.options(as: queue))
                    ]))
        }
        let readers = consumers.map { consumer in
            Task {
                for await batch in consumer.messages {
                    let now = DispatchTime.now().uptimeNanoseconds
                    let instant = ContinuousClock.now
                    delivered.finish(
                        latencies: batch.compactMap { message in
                            guard message.frames.count == 2, message.frames[1].count == Self.size else { return nil }
                            let sent = message.frames[1].prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                            return .nanoseconds(Int64(now &- sent))
                        }, at: instant)
                }
            }
        }
        let producer = try await MessageLoop(
            context: context, name: "load-bus-push",
            sockets: [
                SocketSpec(.push, [.connect(options.commands)], options: try BusKeys.options(as: nil))
            ])
        try await Task.sleep(for: .milliseconds(300))
        let address = Array(queue.utf8)
        let total = options.total
        await withProgress({ "sent \(delivered.counts.started)  received \(delivered.counts.finished)" }) {
            let begin = ContinuousClock.now
            var sent = 0
            while sent < total {
                let due = min(total, Int(Double(options.rate) * ((ContinuousClock.now - begin) / .seconds(1))))
                if due > sent { delivered.start(count: due - sent, at: .now) }
                while sent < due {
                    var payload = [UInt8](repeating: 0, count: Self.size)
                    let now = DispatchTime.now().uptimeNanoseconds
                    for byte in 0..<8 { payload[byte] = UInt8(truncatingIfNeeded: now >> (56 - 8 * byte)) }
                    producer.send([address, payload], on: 0)
                    sent += 1
                }
                try? await Task.sleep(for: .milliseconds(1))
            }
            await wait(upTo: options.drain) { delivered.counts.finished >= total }
        }
        await producer.stop()
        for consumer in consumers { await consumer.stop() }
        for reader in readers { await reader.value }
        return options.heading + delivered.summary("push → broker → queue → pull (\(options.consumers) consumers)")
    }
}
