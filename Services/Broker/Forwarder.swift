import DequeModule
import Logging
import Prometheus
import ZeroMQ

/// The broker's whole job, on one thread: events from XSUB to XPUB (and subscriptions
/// back), commands from PULL to the PUSH socket of the queue named in their first frame.
///
/// It keeps no state beyond a bounded in-memory backlog per queue while no consumer is
/// connected; a broker crash loses only that, which the senders' outboxes re-send.
final class Forwarder: Sendable {
    private let thread: SocketThread

    init(context: ZMQContext, configuration: BrokerConfiguration, registry: PrometheusCollectorRegistry, logger: Logger)
        async throws
    {
        thread = try await SocketThread.start(name: "broker-forwarder") {
            try BrokerSockets(context: context, configuration: configuration)
        } run: { sockets, thread in
            Forwarder.forward(
                sockets, on: thread, metrics: BrokerMetrics(registry: registry),
                configuration: configuration, logger: logger)
        }
    }

    /// Stops forwarding and closes the sockets; returns when they are closed.
    func stop() async { await thread.stop() }

    private static func forward(
        _ sockets: BrokerSockets, on thread: SocketThread, metrics: BrokerMetrics,
        configuration: BrokerConfiguration, logger: Logger
    ) {
        let waker = thread.waker
        let policy = configuration.policy
        // Services that may publish: the queues' owners and, with identities, everyone admitted.
        let publishers = Set(configuration.queues.keys).union(policy.map { Array($0.identities.values) } ?? [])
        var backlog = [Deque<[[UInt8]]>](repeating: [], count: sockets.queues.count)
        var backlogBytes = [Int](repeating: 0, count: sockets.queues.count)
        var poller = Poller()
        func reject(_ frames: [[UInt8]], from side: String) {
            metrics.rejected(side: side)
            logger.warning(
                "dropped malformed message",
                metadata: [
                    "side": "\(side)", "frames": "\(frames.count)",
                    "first_frame": "\(String(decoding: frames.first?.prefix(64) ?? [], as: UTF8.self))",
                ])
        }
        func refuse(_ refusal: BusPolicy.Refusal, identity: String?, address: String) {
            metrics.refused(refusal, identity: identity ?? "unknown")
            logger.warning(
                "refused",
                metadata: [
                    "reason": "\(refusal.rawValue)", "identity": "\(identity ?? "unknown")",
                    "address": "\(address.prefix(64))",
                ])
        }
        while !thread.isStopping {
            poller.removeAll()
            let wake = poller.add(fileDescriptor: waker.fileDescriptor, .readable)
            let eventsIn = poller.add(sockets.eventsIn, .readable)
            let eventsOut = poller.add(sockets.eventsOut, .readable)
            let commandsIn = poller.add(sockets.commandsIn, .readable)
            let zap = sockets.zap.map { poller.add($0, .readable) }
            for (index, queue) in sockets.queues.enumerated() {
                poller.add(queue.socket, backlog[index].isEmpty ? [] : .writable)
            }
            try? poller.poll()
            if poller.ready(wake).contains(.readable) { waker.drain() }

            if let zap, let socket = sockets.zap, let policy, poller.ready(zap).contains(.readable) {
                while let request = try? socket.receive() {
                    let reply = ZAPHandler.answer(request, policy: policy)
                    if let refusal = reply.refusal { refuse(refusal, identity: reply.identity, address: reply.domain) }
                    _ = try? socket.send(reply.frames)
                }
            }
            if poller.ready(eventsIn).contains(.readable) {
                for _ in 0..<1024 {
                    guard let (frames, sender) = try? sockets.eventsIn.receiveAuthenticated() else { break }
                    guard frames.count == 2, let topic = String(validating: frames[0], as: UTF8.self),
                        let slash = topic.firstIndex(of: "/")
                    else {
                        reject(frames, from: "events")
                        continue
                    }
                    if let policy {
                        guard let sender else {
                            refuse(.unknownKey, identity: nil, address: topic)
                            continue
                        }
                        if let refusal = policy.check(event: frames[1], topic: topic, from: sender) {
                            refuse(refusal, identity: sender, address: topic)
                            continue
                        }
                    }
                    _ = try? sockets.eventsOut.send(frames)
                    let publisher = String(topic[..<slash])
                    metrics.event(publisher: publishers.contains(publisher) ? publisher : "other")
                }
            }
            if poller.ready(eventsOut).contains(.readable) {
                // Subscription changes from subscribers travel upstream to the publishers.
                while let frames = try? sockets.eventsOut.receive() { _ = try? sockets.eventsIn.send(frames) }
            }
            if poller.ready(commandsIn).contains(.readable) {
                for _ in 0..<1024 {
                    guard let (frames, sender) = try? sockets.commandsIn.receiveAuthenticated() else { break }
                    guard frames.count == 2, let name = String(validating: frames[0], as: UTF8.self),
                        let index = sockets.queueIndex[name]
                    else {
                        reject(frames, from: "commands")
                        continue
                    }
                    if let policy {
                        guard let sender else {
                            refuse(.unknownKey, identity: nil, address: name)
                            continue
                        }
                        if let refusal = policy.check(command: frames[1], to: name, from: sender) {
                            refuse(refusal, identity: sender, address: name)
                            continue
                        }
                    }
                    backlog[index].append(frames)
                    backlogBytes[index] += frames[1].count
                    metrics.command(queue: name)
                }
            }
            for (index, queue) in sockets.queues.enumerated() where !backlog[index].isEmpty {
                while let frames = backlog[index].first, (try? queue.socket.send(frames)) == true {
                    backlog[index].removeFirst()
                    backlogBytes[index] -= frames[1].count
                }
                var excess = 0
                while backlog[index].count > configuration.outboundCapacity
                    || backlogBytes[index] > configuration.outboundCapacityBytes,
                    let oldest = backlog[index].popFirst()
                {
                    backlogBytes[index] -= oldest[1].count
                    excess += 1
                }
                if excess > 0 { metrics.dropped(queue: queue.name, count: excess) }
                metrics.backlog(queue: queue.name, count: backlog[index].count)
            }
        }
    }
}

/// The broker's sockets, opened and bound on the forwarding thread.
struct BrokerSockets {
    let eventsIn: Socket
    let eventsOut: Socket
    let commandsIn: Socket
    let queues: [(name: String, socket: Socket)]
    let queueIndex: [String: Int]
    /// The ZAP handler's socket, when identities are checked; bound before any other, so
    /// that no connection is ever admitted without it.
    let zap: Socket?

    init(context: ZMQContext, configuration: BrokerConfiguration) throws {
        if configuration.policy != nil {
            let zap = try Socket(context, type: .rep)
            try zap.bind("inproc://zeromq.zap.01")
            self.zap = zap
        } else {
            zap = nil
        }
        let options = configuration.socketOptions
        eventsIn = try Socket(
            context, type: .xsub, options: options + [.zapDomain("events-in"), .receiveHighWaterMark(100_000)])
        try eventsIn.bind(configuration.eventsIn)
        eventsOut = try Socket(
            context, type: .xpub, options: options + [.zapDomain("events-out"), .sendHighWaterMark(100_000)])
        try eventsOut.bind(configuration.eventsOut)
        commandsIn = try Socket(
            context, type: .pull, options: options + [.zapDomain("commands-in"), .receiveHighWaterMark(100_000)])
        try commandsIn.bind(configuration.commandsIn)
        var queues: [(String, Socket)] = []
        for (name, endpoint) in configuration.queues.sorted(by: { $0.key < $1.key }) {
            let socket = try Socket(
                context, type: .push,
                options: options + [
                    .zapDomain(BusPolicy.queueDomain(name)), .immediate(true), .sendHighWaterMark(50_000),
                ])
            try socket.bind(endpoint)
            queues.append((name, socket))
        }
        self.queues = queues
        queueIndex = Dictionary(uniqueKeysWithValues: queues.enumerated().map { ($1.0, $0) })
    }
}
