import Foundation
import TestSupport

/// A broker and the two probe services on free ports, each a real process that the
/// delivery tests kill and restart.
struct BusHarness: Sendable {
    let bus: TestBroker
    let sender: ServiceProcess
    let receiver: ServiceProcess
    var broker: ServiceProcess { bus.process }

    /// - Parameter usingTopology: the broker and the probes find queues, ports and routes in a
    ///   topology file that lists the two probes, as deploy/topology.conf lists the services.
    init(database: TestDatabase, tag: String, usingTopology: Bool = false) {
        let bus = TestBroker(
            queues: ["probe_a", "probe_b"], tag: tag, commandRoutes: usingTopology ? ["probe_a:probe_b"] : nil,
            usingTopology: usingTopology)
        self.bus = bus
        func probe(_ name: String) -> ServiceProcess {
            ServiceProcess(
                executable: "hostwire-bus-probe",
                environment: bus.environment(for: name, database: database).merging([
                    "PROBE_NAME": name,
                    "HOSTWIRE_MIGRATIONS": "Tests/Fixtures/BusProbe/migrations/\(name)",
                ]) { $1 }, httpPort: bus.topologyHTTPPorts[name] ?? freePort(), logName: "\(tag)-\(name)")
        }
        sender = probe("probe_a")
        receiver = probe("probe_b")
    }

    func startAll() async throws {
        try await broker.start()
        try await sender.start()
        try await receiver.start()
    }

    func stopAll() {
        for process in [receiver, sender, broker] { process.stop() }
    }

    /// Asks the sender to write `count` numbered commands and events into its outbox.
    func emit(from: Int, count: Int) async throws {
        let reply = try await JSONClient(port: sender.httpPort).call(
            "POST", "/emit?from=\(from)&count=\(count)", timeout: .seconds(300))
        guard reply.status == 200 else { throw ShellError(description: "emit failed: \(reply.status) \(reply.text)") }
    }
}
