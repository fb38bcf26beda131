import Foundation
import HTTPSupport
import Persistence
import PostgresNIO
import Prometheus
import ServiceKit
import ServiceLifecycle
import TestSupport
import Testing

@testable import TimerService

/// The composition root: a whole service built in process as one `ServiceGroup`.
@Suite struct ServiceGroupTests {
    @Test func aWholeServiceRunsInProcessAndShutsDownInReverse() async throws {
        try await TestDatabase.with(services: ["timer"]) { database in
            let bus = TestBroker(queues: ["timer"], tag: "in-process")
            defer { bus.process.stop() }
            try await bus.process.start()
            let port = freePort()
            let configuration = try ServiceConfiguration.load(
                service: "timer",
                environment: Environment(
                    bus.environment(for: "timer", database: database).merging([
                        "HOSTWIRE_HTTP_PORT": "\(port)",
                        "HOSTWIRE_MIGRATIONS": Paths.root.appendingPathComponent("migrations/timer").path,
                    ]) { $1 }))
            let group = try await ServiceHost.buildServiceGroup(
                buildTimer(TimerSettings(apiTokens: APITokens([(.admin, Sandbox.adminToken)]))),
                configuration: configuration, registry: PrometheusCollectorRegistry(), gracefulShutdownSignals: [])
            let running = Task { try await group.run() }
            let http = JSONClient(port: port)
            #expect(
                await eventually(timeout: .seconds(60)) { try await http.call("GET", "/ready").status == 200 },
                "ready once the Postgres client runs and the schema is migrated")
            #expect(try await database.count("SELECT count(*)::int FROM timer.schedules") > 0)
            let api = JSONClient(port: port, headers: ["Authorization": "Bearer \(Sandbox.adminToken)"])
            #expect(try await api.call("GET", "/api/timer/schedules").status == 200)

            await group.triggerGracefulShutdown()
            try await running.value
            #expect((try? await http.call("GET", "/health", timeout: .seconds(2))) == nil, "the HTTP server is gone")
        }
    }
}
