import Foundation
import Synchronization
import ZeroMQ

/// Transport figures for docs/performance.md (run by `make bench`, release build):
///
///     hostwire-bench zmq    MESSAGES            raw libzmq PUSH→PULL over tcp loopback
///     hostwire-bench broker MESSAGES IN OUT     the same through the broker: PUSH→PULL, queue PUSH→PULL
///     hostwire-bench loop   MESSAGES            PUSH→PULL through Hostwire's MessageLoop (async bridge)
///     hostwire-bench codec  MESSAGES            envelopes written, then read (header and payload), one core
///     hostwire-bench http   REQUESTS [CONCURRENCY]  HTTP exchanges with an empty Hummingbird server in a child process
///     hostwire-bench commit COMMITS URL [CONCURRENCY]  one-row inserts each committed alone, through PostgresNIO
///     hostwire-bench read   READS URL [CONCURRENCY]    prepared one-value selects: a round trip with nothing to commit
///
/// `http`, `commit` and `read` give the floor under an order's cost (``Floor``): the machine's CPU
/// for each exchange or commit with nothing of Hostwire's around it.
/// Messages are a queue frame and a 200-byte payload, like a small command. The raw modes
/// use plain sockets on two threads, so they measure the transport, not Swift concurrency.
@main
struct BusBenchmarkMain {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count >= 2, let count = Int(arguments[1]) else {
            print("usage: hostwire-bench zmq|loop|codec MESSAGES | broker MESSAGES PUSH_ENDPOINT PULL_ENDPOINT")
            exit(2)
        }
        /// The optional concurrency argument at `index` (16 when absent).
        func concurrency(at index: Int) -> Int { arguments.count > index ? Int(arguments[index]) ?? 16 : 16 }
        switch arguments[0] {
        case "http-server":
            return try await Floor.serve(port: count)
        case "http":
            let port = 56_000 + Int.random(in: 0..<900)
            let server = Process()
            server.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            server.arguments = ["http-server", "\(port)"]
            try server.run()
            defer { server.terminate() }
            try await Task.sleep(for: .seconds(1))
            print("http \(try await Floor.http(count, port: port, concurrency: concurrency(at: 2)))")
            return
        case "commit" where arguments.count >= 3:
            print("commit \(try await Floor.commits(count, url: arguments[2], concurrency: concurrency(at: 3)))")
            return
        case "read" where arguments.count >= 3:
            print("read \(try await Floor.reads(count, url: arguments[2], concurrency: concurrency(at: 3)))")
            return
        default:
            break
        }
        if arguments[0] == "codec" {
            let (written, read) = try EnvelopeCodec.run(count)
            print(String(format: "codec %d envelopes: written %.0f msg/s, read %.0f msg/s", count, written, read))
            return
        }
        let context = ZMQContext(ioThreads: 1)
        let start = ContinuousClock.now
        let received: Int
        switch arguments[0] {
        case "zmq":
            let endpoint = "tcp://127.0.0.1:55999"
            received = try await raw(count, context: context, push: .connect(endpoint), pull: .bind(endpoint))
        case "broker" where arguments.count == 4:
            received = try await raw(
                count, context: context, push: .connect(arguments[2]), pull: .connect(arguments[3]))
        case "loop":
            received = try await loop(count, context: context)
        default:
            print("unknown mode \(arguments[0])")
            exit(2)
        }
        let elapsed = ContinuousClock.now - start
        print(
            String(
                format: "%@ %d messages in %.2f s: %.0f msg/s", arguments[0], received, elapsed.seconds,
                Double(received) / elapsed.seconds))
    }

    static let queue = Array("bench".utf8)
    static let payload = [UInt8](repeating: 0x61, count: 200)

    /// Plain sockets, a sender and a receiver thread. The sender keeps at most 20,000 in
    /// flight: the broker drops what it cannot place, so it must not be outrun.
    static func raw(_ count: Int, context: ZMQContext, push: SocketSpec.Endpoint, pull: SocketSpec.Endpoint)
        async throws -> Int
    {
        let progress = Progress()
        let receiver = try await SocketThread.start(name: "pull") {
            try SocketSpec(.pull, [pull], options: [.receiveHighWaterMark(100_000)]).open(in: context)
        } run: { socket, thread in
            var poller = Poller()
            var received = 0
            while received < count && !thread.isStopping {
                poller.removeAll()
                poller.add(socket, .readable)
                try? poller.poll(timeout: 100)
                while (try? socket.receive()) != nil { received += 1 }
                progress.received.store(received, ordering: .releasing)
            }
            progress.done.store(true, ordering: .releasing)
        }
        let sender = try await SocketThread.start(name: "push") {
            try SocketSpec(.push, [push], options: [.sendHighWaterMark(100_000), .immediate(true)]).open(in: context)
        } run: { socket, thread in
            var poller = Poller()
            var sent = 0
            while sent < count && !thread.isStopping {
                if sent - progress.received.load(ordering: .acquiring) > 20_000 {
                    usleep(50)
                    continue
                }
                if (try? socket.send([queue, payload])) == true {
                    sent += 1
                    continue
                }
                poller.removeAll()
                poller.add(socket, .writable)
                try? poller.poll(timeout: 10)
            }
            // Sockets close with linger 0: keep this one open until everything has arrived.
            while !progress.done.load(ordering: .acquiring) && !thread.isStopping { usleep(1000) }
        }
        while !progress.done.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(5)) }
        await sender.stop()
        await receiver.stop()
        return progress.received.load(ordering: .acquiring)
    }

    /// The same through two ``MessageLoop``s, as services use the bus.
    static func loop(_ count: Int, context: ZMQContext) async throws -> Int {
        let endpoint = "tcp://127.0.0.1:55998"
        let pull = try await MessageLoop(
            context: context, name: "pull", sockets: [SocketSpec(.pull, [.bind(endpoint)])])
        let push = try await MessageLoop(
            context: context, name: "push", sockets: [SocketSpec(.push, [.connect(endpoint)])])
        let sender = Task {
            for sent in 0..<count {
                push.send([queue, payload], on: 0)
                if sent % 10_000 == 0 { while push.unsent > 50_000 { try? await Task.sleep(for: .milliseconds(1)) } }
            }
        }
        var received = 0
        for await batch in pull.messages {
            received += batch.count
            if received >= count { break }
        }
        await sender.value
        await push.stop()
        await pull.stop()
        return received
    }
}

/// How far the receiver has got, shared between the two threads.
final class Progress: Sendable {
    let received = Atomic(0)
    let done = Atomic(false)
}
