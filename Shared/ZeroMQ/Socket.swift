import CZeroMQ

/// A ZeroMQ socket, confined to the thread that created it.
///
/// libzmq sockets are not thread safe, so `Socket` is deliberately not `Sendable`: it is
/// made, used and closed on one ``SocketThread``. It closes itself when released.
public final class Socket {
    let handle: UnsafeMutableRawPointer
    public let type: SocketType

    /// Opens a socket of `type` in `context` and applies `options` in order.
    public init(_ context: ZMQContext, type: SocketType, options: [SocketOption] = []) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.raw) else { throw ZMQError.last("zmq_socket") }
        self.handle = handle
        self.type = type
        // A bounded linger by default: a closing socket must never hold the process open.
        try SocketOption.linger(0).apply(to: handle)
        for option in options { try option.apply(to: handle) }
    }

    deinit { zmq_close(handle) }

    /// Binds to `endpoint`, for example `tcp://127.0.0.1:5570`.
    public func bind(_ endpoint: String) throws(ZMQError) {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError.last("zmq_bind(\(endpoint))") }
    }

    /// Connects to `endpoint`; libzmq reconnects by itself when the peer goes away.
    public func connect(_ endpoint: String) throws(ZMQError) {
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError.last("zmq_connect(\(endpoint))") }
    }

    /// The endpoint actually bound, useful after binding to port `*`.
    public var lastEndpoint: String {
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size)
        return String(zeroTerminated: buffer)
    }

    /// Subscribes a SUB socket to messages whose first frame starts with `prefix`.
    public func subscribe(_ prefix: [UInt8]) throws(ZMQError) {
        try setBytes(handle, ZMQ_SUBSCRIBE, prefix)
    }

    /// Applies an option after creation.
    public func set(_ option: SocketOption) throws(ZMQError) {
        try option.apply(to: handle)
    }

    /// Sends `frames` as one multipart message without blocking.
    ///
    /// Returns `false` when the socket cannot take the message now (high-water mark
    /// reached, or no peer with `immediate`); the message is then not sent at all, since
    /// libzmq only refuses the first frame of a multipart message.
    public func send(_ frames: [[UInt8]]) throws(ZMQError) -> Bool {
        for (index, frame) in frames.enumerated() {
            let more = index < frames.count - 1
            let flags = ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0)
            while true {
                let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                if rc >= 0 { break }
                let error = ZMQError.last("zmq_send")
                if error.interrupted { continue }
                if error.wouldBlock && index == 0 { return false }
                throw error
            }
        }
        return true
    }

    /// Receives one whole multipart message without blocking, or `nil` if none is waiting.
    ///
    /// Each frame is read with `zmq_msg_recv`, so frames of any size arrive whole.
    public func receive() throws(ZMQError) -> [[UInt8]]? {
        try receiveAuthenticated()?.frames
    }

    /// Receives one whole message with the identity its sender authenticated as: the
    /// `User-Id` a ZAP handler gave the connection it came on (`nil` without one).
    public func receiveAuthenticated() throws(ZMQError) -> (frames: [[UInt8]], userID: String?)? {
        var frames: [[UInt8]] = []
        var userID: String?
        var message = zmq_msg_t()
        while true {
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            // Once the first frame is in, the rest of the message is already here: block for it.
            let flags = frames.isEmpty ? ZMQ_DONTWAIT : 0
            let rc = zmq_msg_recv(&message, handle, flags)
            if rc < 0 {
                let error = ZMQError.last("zmq_msg_recv")
                if error.interrupted { continue }
                if error.wouldBlock && frames.isEmpty { return nil }
                throw error
            }
            if frames.isEmpty, let property = zmq_msg_gets(&message, "User-Id") {
                userID = String(cString: property)
            }
            let size = zmq_msg_size(&message)
            if size == 0 {
                frames.append([])
            } else {
                let data = zmq_msg_data(&message)!
                frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            }
            if zmq_msg_more(&message) == 0 { return (frames, userID) }
        }
    }
}
