import Foundation

/// A broker process on free ports with a queue per named service, and the environment a
/// service process needs to use it and its own database role.
public struct TestBroker: Sendable {
    public let process: ServiceProcess
    public let eventsIn = freePort(), eventsOut = freePort(), commandsIn = freePort()
    public let queues: [String: Int]

    public init(queues names: [String], tag: String) {
        let queues = Dictionary(uniqueKeysWithValues: names.map { ($0, freePort()) })
        self.queues = queues
        let (eventsIn, eventsOut, commandsIn) = (self.eventsIn, self.eventsOut, self.commandsIn)
        process = ServiceProcess(executable: "hostwire-broker", environment: [
            "HOSTWIRE_BROKER_EVENTS_IN": Self.endpoint(eventsIn),
            "HOSTWIRE_BROKER_EVENTS_OUT": Self.endpoint(eventsOut),
            "HOSTWIRE_BROKER_COMMANDS_IN": Self.endpoint(commandsIn),
            "HOSTWIRE_BROKER_QUEUES": queues.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.endpoint($0.value))" }
                .joined(separator: ","),
        ], httpPort: freePort(), logName: "\(tag)-broker")
    }

    /// Bus endpoints and database URL for `service`, which must be one of the queues.
    public func environment(for service: String, database: TestDatabase) -> [String: String] {
        [
            "HOSTWIRE_DATABASE_URL": database.url(as: service),
            "HOSTWIRE_BUS_PUBLISH": Self.endpoint(eventsIn),
            "HOSTWIRE_BUS_SUBSCRIBE": Self.endpoint(eventsOut),
            "HOSTWIRE_BUS_COMMANDS": Self.endpoint(commandsIn),
            "HOSTWIRE_BUS_QUEUE": Self.endpoint(queues[service]!),
        ]
    }

    static func endpoint(_ port: Int) -> String { "tcp://127.0.0.1:\(port)" }
}
