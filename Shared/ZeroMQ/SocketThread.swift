import Foundation
import Synchronization

/// A dedicated thread that owns ZeroMQ sockets: they are opened, used and closed on it alone.
///
/// Other threads talk to it only through its ``waker`` and ``stop()``; the body polls the
/// waker's file descriptor beside its sockets and returns once ``isStopping`` is set.
public final class SocketThread: Sendable {
    /// Wakes the thread from `zmq_poll`.
    public let waker = Waker()
    private let stopping = Atomic(false)
    private let finished = Mutex<(done: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    private init() {}

    /// Starts a thread named `name` that calls `open`, then `run` with what `open` returned.
    ///
    /// Returns once `open` succeeded, or throws what it threw; what `open` makes never
    /// leaves the thread and is released there when `run` returns.
    public static func start<Resources>(
        name: String, open: @escaping @Sendable () throws -> Resources,
        run: @escaping @Sendable (Resources, SocketThread) -> Void
    ) async throws -> SocketThread {
        let thread = SocketThread()
        try await withCheckedThrowingContinuation { (started: CheckedContinuation<Void, any Error>) in
            let worker = Thread {
                do {
                    let resources = try open()
                    started.resume()
                    run(resources, thread)
                } catch {
                    started.resume(throwing: error)
                }
                thread.markFinished()
            }
            worker.name = name
            worker.start()
        }
        return thread
    }

    /// Whether ``stop()`` was called; the body checks it after every poll.
    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Asks the body to return and waits until it has (and its sockets are closed).
    public func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = finished.withLock { state in
                if !state.done { state.waiter = continuation }
                return state.done
            }
            if done {
                continuation.resume()
                return
            }
            stopping.store(true, ordering: .releasing)
            waker.wake()
        }
    }

    private func markFinished() {
        let waiter = finished.withLock { state in
            state.done = true
            return state.waiter
        }
        waiter?.resume()
    }
}
