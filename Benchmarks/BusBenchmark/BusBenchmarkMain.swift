import Foundation
import ZeroMQ

/// Raw transport figures for docs/performance.md (run by `make bench`, release build):
///
///     hostwire-bench zmq    MESSAGES            libzmq PUSH→PULL over tcp loopback, no broker
///     hostwire-bench broker MESSAGES IN OUT     PUSH→broker PULL … broker queue PUSH→PULL
///
/// Messages are 200-byte payloads behind a queue frame, like a small command.
@main
struct BusBenchmarkMain {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let mode = arguments.first, let count = arguments.dropFirst().first.flatMap({ Int($0) }) else {
            print("usage: hostwire-bench zmq MESSAGES | broker MESSAGES PUSH_ENDPOINT PULL_ENDPOINT")
            exit(2)
        }
        let context = ZMQContext(ioThreads: 1)
        let (pushTo, pullFrom): (SocketSpec.Endpoint, SocketSpec.Endpoint)
        let pullSpec: SocketSpec
        switch mode {
        case "zmq":
            pullSpec = SocketSpec(.pull, [.bind("tcp://127.0.0.1:55999")], options: [.receiveHighWaterMark(100_000)])
            pushTo = .connect("tcp://127.0.0.1:55999")
            pullFrom = .bind("tcp://127.0.0.1:55999")
        case "broker":
            let values = Array(arguments.dropFirst(2))
            pushTo = .connect(values[0])
            pullFrom = .connect(values[1])
            pullSpec = SocketSpec(.pull, [pullFrom], options: [.receiveHighWaterMark(100_000)])
        default:
            print("unknown mode \(mode)")
            exit(2)
        }
        let pull = try await MessageLoop(context: context, name: "bench-pull", sockets: [pullSpec])
        let push = try await MessageLoop(context: context, name: "bench-push", sockets: [
            SocketSpec(.push, [pushTo], options: [.sendHighWaterMark(100_000), .immediate(true)]),
        ])
        try await Task.sleep(for: .milliseconds(300)) // connections settle
        let queue = Array("bench".utf8)
        let payload = [UInt8](repeating: 0x61, count: 200)
        let start = ContinuousClock.now
        let sender = Task {
            for sent in 0..<count {
                push.send([queue, payload], on: 0)
                // Keep the hand-off queue short so memory stays flat and figures honest.
                if sent % 10_000 == 0 { while push.unsent > 50_000 { try? await Task.sleep(for: .milliseconds(1)) } }
            }
        }
        var received = 0
        for await batch in pull.messages {
            received += batch.count
            if received >= count { break }
        }
        let elapsed = ContinuousClock.now - start
        _ = await sender.value
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "%@ %d messages in %.2f s: %.0f msg/s", mode, received, seconds, Double(received) / seconds))
        await push.stop()
        await pull.stop()
    }
}
