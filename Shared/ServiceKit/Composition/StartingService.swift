import ServiceLifecycle

/// Opens a gate as it starts `service`, for what must not run before it does.
struct StartingService: Service {
    let started: StartGate
    let service: any Service

    func run() async throws {
        started.open()
        try await service.run()
    }
}
