import CZeroMQ

/// Readiness a poll asks about or reports.
public struct PollEvents: OptionSet, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
}

/// One `zmq_poll` call over sockets and plain file descriptors, rebuilt each round.
///
/// Like ``Socket`` it is confined to its thread.
public struct Poller {
    private var items: [zmq_pollitem_t] = []

    public init() {}

    /// Forgets every item, ready for the next round.
    public mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    /// Watches `socket` for `events`; returns the index to read the result with.
    @discardableResult
    public mutating func add(_ socket: Socket, _ events: PollEvents) -> Int {
        items.append(zmq_pollitem_t(socket: socket.handle, fd: 0, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Watches a file descriptor (a ``Waker``'s pipe) for `events`.
    @discardableResult
    public mutating func add(fileDescriptor: Int32, _ events: PollEvents) -> Int {
        items.append(zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Blocks until an item is ready or `timeout` milliseconds pass (-1: no limit).
    public mutating func poll(timeout milliseconds: Int = -1) throws(ZMQError) {
        let rc = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32($0.count), milliseconds) }
        if rc < 0 {
            let error = ZMQError.last("zmq_poll")
            if !error.interrupted { throw error }
        }
    }

    /// What item `index` is ready for after the last `poll`.
    public func ready(_ index: Int) -> PollEvents {
        PollEvents(rawValue: items[index].revents)
    }
}
