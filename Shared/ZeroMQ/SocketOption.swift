import CZeroMQ

/// A socket option, applied with `zmq_setsockopt` before the socket binds or connects.
public enum SocketOption: Sendable, Equatable {
    /// Messages queued for sending before the socket blocks or drops.
    case sendHighWaterMark(Int32)
    /// Messages queued on receipt before the peer is throttled.
    case receiveHighWaterMark(Int32)
    /// Milliseconds unsent messages are kept after close; bounded so shutdown never hangs.
    case linger(Int32)
    /// Queue messages only to completed connections (so a PUSH to nobody says EAGAIN).
    case immediate(Bool)
    /// ZMTP heartbeat: interval, timeout and remote TTL, in milliseconds.
    ///
    /// Not for a socket that may stop reading under back-pressure: libzmq 4.3.4 aborts the
    /// process (`Assertion failed: _input_stopped`, zeromq/libzmq#3937) when a heartbeat
    /// timeout replaces a connection whose input was stopped by a full receive queue.
    case heartbeat(interval: Int32, timeout: Int32, ttl: Int32)
    /// TCP keepalive: probes after `idle` seconds of silence, every `interval` seconds,
    /// `count` unanswered probes drop the connection (and libzmq reconnects).
    case tcpKeepalive(idle: Int32, interval: Int32, count: Int32)
    /// Reconnect back-off: first and maximum interval, in milliseconds.
    case reconnect(interval: Int32, maximum: Int32)
    /// Act as a CURVE server with this Z85 secret key.
    case curveServer(secretKey: String)
    /// Act as a CURVE client: own key pair and the server's public key, all Z85.
    case curveClient(publicKey: String, secretKey: String, serverKey: String)
    /// The domain a ZAP handler is told for this socket's connections, so it can admit
    /// different peers on different sockets.
    case zapDomain(String)
    /// Largest message a peer may send, in bytes; a peer that sends more is disconnected.
    case maximumMessageSize(Int64)

    /// How every bus socket notices a dead peer: TCP keepalive, which back-pressure cannot
    /// trip, rather than ZMTP heartbeats (see ``heartbeat(interval:timeout:ttl:)``). A peer
    /// that is killed closes its connections at once; this catches the ones that vanish.
    public static let busKeepalive = SocketOption.tcpKeepalive(idle: 10, interval: 2, count: 3)

    func apply(to socket: UnsafeMutableRawPointer) throws(ZMQError) {
        switch self {
        case .sendHighWaterMark(let v): try setInt(socket, ZMQ_SNDHWM, v)
        case .receiveHighWaterMark(let v): try setInt(socket, ZMQ_RCVHWM, v)
        case .linger(let v): try setInt(socket, ZMQ_LINGER, v)
        case .immediate(let on): try setInt(socket, ZMQ_IMMEDIATE, on ? 1 : 0)
        case .heartbeat(let interval, let timeout, let ttl):
            try setInt(socket, ZMQ_HEARTBEAT_IVL, interval)
            try setInt(socket, ZMQ_HEARTBEAT_TIMEOUT, timeout)
            try setInt(socket, ZMQ_HEARTBEAT_TTL, ttl)
        case .tcpKeepalive(let idle, let interval, let count):
            try setInt(socket, ZMQ_TCP_KEEPALIVE, 1)
            try setInt(socket, ZMQ_TCP_KEEPALIVE_IDLE, idle)
            try setInt(socket, ZMQ_TCP_KEEPALIVE_INTVL, interval)
            try setInt(socket, ZMQ_TCP_KEEPALIVE_CNT, count)
        case .reconnect(let interval, let maximum):
            try setInt(socket, ZMQ_RECONNECT_IVL, interval)
            try setInt(socket, ZMQ_RECONNECT_IVL_MAX, maximum)
        case .curveServer(let secret):
            try setInt(socket, ZMQ_CURVE_SERVER, 1)
            try setString(socket, ZMQ_CURVE_SECRETKEY, secret)
        case .curveClient(let publicKey, let secretKey, let serverKey):
            try setString(socket, ZMQ_CURVE_SERVERKEY, serverKey)
            try setString(socket, ZMQ_CURVE_PUBLICKEY, publicKey)
            try setString(socket, ZMQ_CURVE_SECRETKEY, secretKey)
        case .zapDomain(let domain):
            try setBytes(socket, ZMQ_ZAP_DOMAIN, Array(domain.utf8))
        case .maximumMessageSize(let bytes):
            var value = bytes
            guard zmq_setsockopt(socket, ZMQ_MAXMSGSIZE, &value, MemoryLayout<Int64>.size) == 0 else {
                throw ZMQError.last("zmq_setsockopt(ZMQ_MAXMSGSIZE)")
            }
        }
    }
}

func setInt(_ socket: UnsafeMutableRawPointer, _ option: Int32, _ value: Int32) throws(ZMQError) {
    var value = value
    guard zmq_setsockopt(socket, option, &value, MemoryLayout<Int32>.size) == 0 else {
        throw ZMQError.last("zmq_setsockopt(\(option))")
    }
}

func setBytes(_ socket: UnsafeMutableRawPointer, _ option: Int32, _ bytes: [UInt8]) throws(ZMQError) {
    let rc = bytes.withUnsafeBytes { zmq_setsockopt(socket, option, $0.baseAddress, $0.count) }
    guard rc == 0 else { throw ZMQError.last("zmq_setsockopt(\(option))") }
}

/// Z85 keys are passed as their 40 characters plus the terminating NUL, as libzmq expects.
func setString(_ socket: UnsafeMutableRawPointer, _ option: Int32, _ text: String) throws(ZMQError) {
    try setBytes(socket, option, Array(text.utf8) + [0])
}
