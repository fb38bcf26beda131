import CZeroMQ

/// A ZeroMQ context: the library's I/O threads and the registry of `inproc` endpoints.
///
/// `@unchecked Sendable` is safe: libzmq documents contexts as thread safe, and the
/// only state held here is the opaque handle, set once in `init`.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    /// Creates a context with `ioThreads` libzmq I/O threads.
    public init(ioThreads: Int32 = 1) {
        guard let handle = zmq_ctx_new() else {
            fatalError("zmq_ctx_new failed: \(ZMQError.last("zmq_ctx_new"))")
        }
        zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads)
        self.handle = handle
    }

    deinit {
        // Sockets are closed by their owners; linger is bounded per socket, so this returns.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    /// Whether libzmq was built with `capability` (for example "curve").
    public static func has(_ capability: String) -> Bool {
        zmq_has(capability) == 1
    }

    /// The linked libzmq version as "major.minor.patch".
    public static var version: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}
