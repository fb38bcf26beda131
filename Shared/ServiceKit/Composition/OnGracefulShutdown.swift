import ServiceLifecycle

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
