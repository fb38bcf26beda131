import CZeroMQ

/// An error reported by libzmq, carrying its `errno` and message.
public struct ZMQError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The `errno` value libzmq reported.
    public let code: Int32
    /// What the call was doing, for the log line.
    public let operation: String

    /// Captures the calling thread's current libzmq error.
    static func last(_ operation: String) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation)
    }

    public var description: String {
        "\(operation): \(String(cString: zmq_strerror(code))) (errno \(code))"
    }

    /// The operation would have blocked (a full queue or no peer yet).
    public var wouldBlock: Bool { code == EAGAIN }
    /// The call was interrupted by a signal and may simply be repeated.
    public var interrupted: Bool { code == EINTR }
}

extension String {
    /// Decodes a NUL-terminated C buffer that libzmq filled in.
    init(zeroTerminated buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self.init(decoding: bytes, as: UTF8.self)
    }
}
