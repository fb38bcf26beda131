import Foundation
import TestSupport

/// A broker and the two probe services on free ports, each a real process that the
/// delivery tests kill and restart.
struct BusHarness: Sendable {
    let broker: ServiceProcess
    let sender: ServiceProcess
    let receiver: ServiceProcess
    let ports: Ports

    struct Ports: Sendable {
        let eventsIn = freePort(), eventsOut = freePort(), commandsIn = freePort()
        let senderQueue = freePort(), receiverQueue = freePort()
    }

    init(database: TestDatabase, tag: String) {
        let ports = Ports()
        self.ports = ports
        let endpoint = { (port: Int) in "tcp://127.0.0.1:\(port)" }
        broker = ServiceProcess(executable: "hostwire-broker", environment: [
            "HOSTWIRE_BROKER_EVENTS_IN": endpoint(ports.eventsIn),
            "HOSTWIRE_BROKER_EVENTS_OUT": endpoint(ports.eventsOut),
            "HOSTWIRE_BROKER_COMMANDS_IN": endpoint(ports.commandsIn),
            "HOSTWIRE_BROKER_QUEUES": "probe_a=\(endpoint(ports.senderQueue)),probe_b=\(endpoint(ports.receiverQueue))",
        ], httpPort: freePort(), logName: "\(tag)-broker")
        func probe(_ name: String, queue: Int) -> ServiceProcess {
            ServiceProcess(executable: "BusProbe", environment: [
                "PROBE_NAME": name,
                "HOSTWIRE_DATABASE_URL": database.url(as: name),
                "HOSTWIRE_BUS_PUBLISH": endpoint(ports.eventsIn),
                "HOSTWIRE_BUS_SUBSCRIBE": endpoint(ports.eventsOut),
                "HOSTWIRE_BUS_COMMANDS": endpoint(ports.commandsIn),
                "HOSTWIRE_BUS_QUEUE": endpoint(queue),
                "HOSTWIRE_MIGRATIONS": "Tests/Fixtures/BusProbe/migrations/\(name)",
            ], httpPort: freePort(), logName: "\(tag)-\(name)")
        }
        sender = probe("probe_a", queue: ports.senderQueue)
        receiver = probe("probe_b", queue: ports.receiverQueue)
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
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(sender.httpPort)/emit?from=\(from)&count=\(count)")!)
        request.httpMethod = "POST"
        request.timeoutInterval = 300
        let (_, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw ShellError(description: "emit failed: \(response)") }
    }
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
