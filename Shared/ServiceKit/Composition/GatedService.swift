import ServiceLifecycle

/// A service that starts once its gate opens, and is never started if the group stops first.
struct GatedService: Service {
    let gate: StartGate
    let service: any Service

    func run() async throws {
        let opened = await cancelWhenGracefulShutdown { await gate.wait() }
        if opened == true { try await service.run() }
    }
}
