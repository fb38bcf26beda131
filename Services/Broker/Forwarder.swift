import DequeModule
import Foundation
import Logging
import Prometheus
import Synchronization
import ZeroMQ

/// The broker's whole job, on one thread: events from XSUB to XPUB (and subscriptions
/// back), commands from PULL to the PUSH socket of the queue named in their first frame.
///
/// It keeps no state beyond a bounded in-memory backlog per queue while no consumer is
/// connected; a broker crash loses only that, which the senders' outboxes re-send.
final class Forwarder: Sendable {
    private let waker = Waker()
    private let stopping = Atomic(false)
    private let stopped = Mutex<(done: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
    private let logger: Logger

    init(context: ZMQContext, configuration: BrokerConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) async throws {
        self.logger = logger
        try await withCheckedThrowingContinuation { (started: CheckedContinuation<Void, any Error>) in
            let thread = Thread { [self] in
                do {
                    let sockets = try BrokerSockets(context: context, configuration: configuration)
                    started.resume()
                    forward(sockets, metrics: BrokerMetrics(registry: registry), capacity: configuration.outboundCapacity)
                } catch {
                    started.resume(throwing: error)
                }
                let waiter = stopped.withLock { state in
                    state.done = true
                    return state.waiter
                }
                waiter?.resume()
            }
            thread.name = "broker-forwarder"
            thread.start()
        }
    }

    /// Stops forwarding and closes the sockets; returns when they are closed.
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = stopped.withLock { state in
                if !state.done { state.waiter = continuation }
                return state.done
            }
            if done { continuation.resume(); return }
            stopping.store(true, ordering: .releasing)
            waker.wake()
        }
    }

    private func forward(_ sockets: BrokerSockets, metrics: BrokerMetrics, capacity: Int) {
        var backlog = [Deque<[[UInt8]]>](repeating: [], count: sockets.queues.count)
        var poller = Poller()
        while !stopping.load(ordering: .acquiring) {
            poller.removeAll()
            let wake = poller.add(fileDescriptor: waker.fileDescriptor, .readable)
            let eventsIn = poller.add(sockets.eventsIn, .readable)
            let eventsOut = poller.add(sockets.eventsOut, .readable)
            let commandsIn = poller.add(sockets.commandsIn, .readable)
            for (index, queue) in sockets.queues.enumerated() {
                poller.add(queue.socket, backlog[index].isEmpty ? [] : .writable)
            }
            try? poller.poll()
            if poller.ready(wake).contains(.readable) { waker.drain() }

            if poller.ready(eventsIn).contains(.readable) {
                for _ in 0..<1024 {
                    guard let frames = try? sockets.eventsIn.receive() else { break }
                    guard frames.count == 2, let topic = String(validating: frames[0], as: UTF8.self), topic.contains("/") else {
                        reject(frames, from: "events", metrics: metrics)
                        continue
                    }
                    _ = try? sockets.eventsOut.send(frames)
                    metrics.event(topic: topic)
                }
            }
            if poller.ready(eventsOut).contains(.readable) {
                // Subscription changes from subscribers travel upstream to the publishers.
                while let frames = try? sockets.eventsOut.receive() { _ = try? sockets.eventsIn.send(frames) }
            }
            if poller.ready(commandsIn).contains(.readable) {
                for _ in 0..<1024 {
                    guard let frames = try? sockets.commandsIn.receive() else { break }
                    guard frames.count == 2, let name = String(validating: frames[0], as: UTF8.self),
                          let index = sockets.queueIndex[name] else {
                        reject(frames, from: "commands", metrics: metrics)
                        continue
                    }
                    backlog[index].append(frames)
                    metrics.command(queue: name)
                }
            }
            for (index, queue) in sockets.queues.enumerated() where !backlog[index].isEmpty {
                while let frames = backlog[index].first, (try? queue.socket.send(frames)) == true {
                    backlog[index].removeFirst()
                }
                if backlog[index].count > capacity {
                    let excess = backlog[index].count - capacity
                    backlog[index].removeFirst(excess)
                    metrics.dropped(queue: queue.name, count: excess)
                }
                metrics.backlog(queue: queue.name, count: backlog[index].count)
            }
        }
    }

    private func reject(_ frames: [[UInt8]], from side: String, metrics: BrokerMetrics) {
        metrics.rejected(side: side)
        logger.warning("dropped malformed message", metadata: [
            "side": "\(side)", "frames": "\(frames.count)",
            "first_frame": "\(String(decoding: frames.first?.prefix(64) ?? [], as: UTF8.self))"])
    }
}

/// The broker's sockets, opened and bound on the forwarding thread.
struct BrokerSockets {
    let eventsIn: Socket
    let eventsOut: Socket
    let commandsIn: Socket
    let queues: [(name: String, socket: Socket)]
    let queueIndex: [String: Int]

    init(context: ZMQContext, configuration: BrokerConfiguration) throws {
        let options = configuration.socketOptions
        eventsIn = try Socket(context, type: .xsub, options: options + [.receiveHighWaterMark(100_000)])
        try eventsIn.bind(configuration.eventsIn)
        eventsOut = try Socket(context, type: .xpub, options: options + [.sendHighWaterMark(100_000)])
        try eventsOut.bind(configuration.eventsOut)
        commandsIn = try Socket(context, type: .pull, options: options + [.receiveHighWaterMark(100_000)])
        try commandsIn.bind(configuration.commandsIn)
        var queues: [(String, Socket)] = []
        for (name, endpoint) in configuration.queues.sorted(by: { $0.key < $1.key }) {
            let socket = try Socket(context, type: .push, options: options + [.immediate(true), .sendHighWaterMark(50_000)])
            try socket.bind(endpoint)
            queues.append((name, socket))
        }
        self.queues = queues
        queueIndex = Dictionary(uniqueKeysWithValues: queues.enumerated().map { ($1.0, $0) })
    }
}
