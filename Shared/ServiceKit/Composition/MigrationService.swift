import ServiceLifecycle

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
