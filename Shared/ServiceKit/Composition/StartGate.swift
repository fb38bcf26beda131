import ServiceLifecycle
import Synchronization

/// Holds services back until what they depend on is ready (the schema migrated): opened once,
/// awaited by many. A wait ends early, returning `false`, when the group shuts down first.
public final class StartGate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
        var nextWaiter = 0
    }
    private let state = Mutex(State())

    public init() {}

    /// Lets every waiter, present and future, go on.
    public func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [:] }
            return state.waiters.values
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    /// Waits until the gate opens (`true`) or the task is cancelled (`false`).
    public func wait() async -> Bool {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow: Bool? = state.withLock { state in
                    if state.isOpen { return true }
                    if Task.isCancelled { return false }
                    state.waiters[id] = continuation
                    return nil
                }
                if let resumeNow { continuation.resume(returning: resumeNow) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: false)
        }
    }
}

/// A service that starts once its gate opens, and is never started if the group stops first.
struct GatedService: Service {
    let gate: StartGate
    let service: any Service

    func run() async throws {
        let opened = await cancelWhenGracefulShutdown { await gate.wait() }
        if opened == true { try await service.run() }
    }
}

/// Opens a gate as it starts `service`, for what must not run before it does.
struct StartingService: Service {
    let started: StartGate
    let service: any Service

    func run() async throws {
        started.open()
        try await service.run()
    }
}

/// Applies the service's migrations once the Postgres client runs, then opens the gate and
/// stays until the group shuts down (a service ending early would end the group).
struct MigrationService: Service {
    let migrate: @Sendable () async throws -> Void
    let gate: StartGate

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await migrate() }
        gate.open()
        try? await gracefulShutdown()
    }
}

/// Does `action` when the group shuts down, after the services listed after it have stopped
/// (closing the bus connection a service's relay and consumer use, the broker's forwarding thread).
public struct OnGracefulShutdown: Service {
    let action: @Sendable () async -> Void

    public init(_ action: @escaping @Sendable () async -> Void) { self.action = action }

    public func run() async throws {
        try? await gracefulShutdown()
        await action()
    }
}
