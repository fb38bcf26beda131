import ZeroMQ

/// A service's four sockets to the broker, on one I/O thread.
///
/// Commands, acknowledgements, replay requests and replayed events leave through a PUSH
/// socket and arrive on the PULL socket of the service's own queue; events leave through a
/// PUB socket and arrive on a SUB socket subscribed to the publishers the service follows.
public final class BusConnection: Sendable {
    /// Which socket of the loop a message came in on or goes out through.
    package enum Socket: Int {
        case commandsOut = 0
        case eventsOut, queueIn, eventsIn
    }

    /// The service name; also the name of its queue.
    public let service: String
    package let loop: MessageLoop

    /// Connects `service` to the broker at `endpoints`, following `publishers`' events.
    public init(
        context: ZMQContext, service: String, endpoints: BusEndpoints, publishers: Set<String>,
        security: [SocketOption] = []
    ) async throws {
        self.service = service
        let common: [SocketOption] =
            security + [
                .busKeepalive,
                .reconnect(interval: 100, maximum: 2000),
            ]
        loop = try await MessageLoop(
            context: context, name: "bus-\(service)",
            sockets: [
                SocketSpec(
                    .push, [.connect(endpoints.commands)],
                    options: common + [.immediate(true), .sendHighWaterMark(50_000)]),
                SocketSpec(.pub, [.connect(endpoints.publish)], options: common + [.sendHighWaterMark(50_000)]),
                SocketSpec(.pull, [.connect(endpoints.queue)], options: common + [.receiveHighWaterMark(50_000)]),
                SocketSpec(
                    .sub, [.connect(endpoints.subscribe)], options: common + [.receiveHighWaterMark(100_000)],
                    subscriptions: publishers.sorted().map { "\($0)/" }),
            ])
    }

    /// Sends a message to the queue named by its address, through the broker.
    public func send(_ message: WireMessage) {
        loop.send(message.frames, on: Socket.commandsOut.rawValue)
    }

    /// Publishes an event (or heartbeat) under its topic.
    public func publish(_ message: WireMessage) {
        loop.send(message.frames, on: Socket.eventsOut.rawValue)
    }

    /// Everything that arrives, in batches: from the queue and from subscriptions alike.
    public var incoming: MessageLoop.Messages { loop.messages }

    /// Closes the sockets and ends ``incoming``.
    public func close() async { await loop.stop() }
}
