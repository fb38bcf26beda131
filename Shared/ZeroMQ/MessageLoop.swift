import DequeModule
import Foundation
import Synchronization

/// An I/O thread that owns a set of ZeroMQ sockets and bridges them to Swift concurrency.
///
/// Every blocking libzmq call runs on this one dedicated thread, never on the cooperative
/// pool. Other threads hand it outgoing messages through ``send(_:on:)`` and read
/// incoming ones from ``messages``. Incoming messages are throttled: once `inboundCapacity`
/// messages wait unconsumed, the thread stops reading, and libzmq's high-water marks push
/// back on the peers. Outgoing messages wait for a peer (for example while the broker
/// restarts) up to `outboundCapacity` per socket; past that the oldest are dropped and
/// counted, since the durable layer above re-sends whatever was not acknowledged.
public final class MessageLoop: Sendable {
    /// A message received on the socket at index `socket` of the loop's specs.
    public struct Message: Sendable {
        public let socket: Int
        public let frames: [[UInt8]]
    }

    /// Counters for metrics and tests.
    public struct Statistics: Sendable, Equatable {
        public var sent = 0
        public var received = 0
        public var dropped = 0
    }

    private struct State {
        var outbound: [Deque<[[UInt8]]>]
        var subscriptions: [(Int, String)] = []
        var waiting = 0
        /// Messages the I/O thread holds because no peer could take them yet.
        var held = 0
        var statistics = Statistics()
    }

    private let state: Mutex<State>
    private let inboundCapacity: Int
    private let outboundCapacity: Int
    private let stream: AsyncStream<[Message]>
    private let continuation: AsyncStream<[Message]>.Continuation
    private let thread: Mutex<SocketThread?> = Mutex(nil)

    /// Opens `sockets` on a new thread named `name`; throws if any cannot bind or connect.
    public init(
        context: ZMQContext, name: String, sockets: [SocketSpec],
        inboundCapacity: Int = 10_000, outboundCapacity: Int = 100_000
    ) async throws {
        self.inboundCapacity = inboundCapacity
        self.outboundCapacity = outboundCapacity
        self.state = Mutex(State(outbound: Array(repeating: [], count: sockets.count)))
        (stream, continuation) = AsyncStream.makeStream(of: [Message].self)
        let started = try await SocketThread.start(name: name) {
            try sockets.map { spec throws(ZMQError) in try spec.open(in: context) }
        } run: { [self] opened, thread in
            run(opened, specs: sockets, thread: thread)
            continuation.finish()
        }
        thread.withLock { $0 = started }
    }

    /// Incoming messages in the batches they arrived in, for a single consumer.
    public var messages: Messages { Messages(loop: self, stream: stream) }

    /// Queues `frames` to be sent on socket `index`; returns at once.
    public func send(_ frames: [[UInt8]], on index: Int) {
        state.withLock { $0.outbound[index].append(frames) }
        wake()
    }

    /// Adds a subscription prefix to the SUB socket at `index`.
    public func subscribe(_ prefix: String, on index: Int) {
        state.withLock { $0.subscriptions.append((index, prefix)) }
        wake()
    }

    private func wake() { thread.withLock { $0 }?.waker.wake() }

    /// Counters so far.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Messages queued for sending that no socket has taken yet.
    public var unsent: Int { state.withLock { $0.outbound.reduce($0.held) { $0 + $1.count } } }

    /// Stops the thread, closes the sockets and ends ``messages``; waits until that is done.
    public func stop() async {
        await thread.withLock { $0 }?.stop()
    }

    fileprivate func consumed(_ count: Int) {
        let resume = state.withLock { state -> Bool in
            let wasThrottled = state.waiting >= inboundCapacity
            state.waiting -= count
            return wasThrottled && state.waiting < inboundCapacity
        }
        if resume { wake() }
    }

    // MARK: The I/O thread

    private func run(_ sockets: [Socket], specs: [SocketSpec], thread: SocketThread) {
        let waker = thread.waker
        var pending: [Deque<[[UInt8]]>] = Array(repeating: [], count: sockets.count)
        var poller = Poller()
        var sent = 0
        var received = 0
        var dropped = 0
        while true {
            let (stop, subscriptions, canReceive) = state.withLock { state in
                for index in state.outbound.indices where !state.outbound[index].isEmpty {
                    pending[index].append(contentsOf: state.outbound[index])
                    state.outbound[index].removeAll(keepingCapacity: true)
                }
                state.statistics.sent += sent
                state.statistics.received += received
                state.statistics.dropped += dropped
                state.waiting += received
                let subscriptions = state.subscriptions
                state.subscriptions.removeAll()
                return (thread.isStopping, subscriptions, state.waiting < inboundCapacity)
            }
            sent = 0
            received = 0
            dropped = 0
            if stop { break }
            for (index, prefix) in subscriptions { try? sockets[index].subscribe(Array(prefix.utf8)) }

            for index in sockets.indices {
                if pending[index].count > outboundCapacity {
                    let excess = pending[index].count - outboundCapacity
                    pending[index].removeFirst(excess)
                    dropped += excess
                }
                while let frames = pending[index].first {
                    guard (try? sockets[index].send(frames)) != false else { break }
                    pending[index].removeFirst()
                    sent += 1
                }
            }

            let held = pending.reduce(0) { $0 + $1.count }
            state.withLock { $0.held = held }
            poller.removeAll()
            let wakeIndex = poller.add(fileDescriptor: waker.fileDescriptor, .readable)
            for (index, socket) in sockets.enumerated() {
                var events: PollEvents = []
                if specs[index].receives && canReceive { events.insert(.readable) }
                if !pending[index].isEmpty { events.insert(.writable) }
                poller.add(socket, events)
            }
            try? poller.poll()
            if poller.ready(wakeIndex).contains(.readable) { waker.drain() }
            for (index, socket) in sockets.enumerated() where poller.ready(index + 1).contains(.readable) {
                // A bounded batch per socket keeps one busy socket from starving the others.
                var batch: [Message] = []
                while batch.count < 1024, let frames = try? socket.receive() {
                    batch.append(Message(socket: index, frames: frames))
                }
                if !batch.isEmpty {
                    received += batch.count
                    continuation.yield(batch)
                }
            }
        }
    }

    /// The incoming batches of a loop; each one taken lets the thread read more.
    public struct Messages: AsyncSequence, Sendable {
        let loop: MessageLoop
        let stream: AsyncStream<[Message]>

        public func makeAsyncIterator() -> Iterator { Iterator(loop: loop, base: stream.makeAsyncIterator()) }

        public struct Iterator: AsyncIteratorProtocol {
            let loop: MessageLoop
            var base: AsyncStream<[Message]>.Iterator

            public mutating func next() async -> [Message]? {
                guard let batch = await base.next() else { return nil }
                loop.consumed(batch.count)
                return batch
            }

            public mutating func next(isolation actor: isolated (any Actor)?) async -> [Message]? {
                guard let batch = await base.next(isolation: actor) else { return nil }
                loop.consumed(batch.count)
                return batch
            }
        }
    }
}
