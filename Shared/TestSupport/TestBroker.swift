import Foundation
import ZeroMQ

/// A broker process on free ports with a queue per named service, and the environment a
/// service process needs to use it and its own database role.
///
/// The bus runs as in production: CURVE, with an identity (a key pair) per queue's service
/// that the broker's allow-list admits, so each service may publish only its own events and
/// pull only its own queue. A test that stands in for a service uses that service's
/// ``clientOptions(as:)``.
public struct TestBroker: Sendable {
    public let process: ServiceProcess
    public let eventsIn = freePort(), eventsOut = freePort(), commandsIn = freePort()
    public let queues: [String: Int]
    /// The broker's key pair.
    public let serverKeys: CurveKeyPair
    /// Each service's key pair, by name: the queues' and any `extraIdentities`.
    public let identities: [String: CurveKeyPair]
    /// With `usingTopology`, the topology file the broker and the services read, and each
    /// service's HTTP port in it.
    public let topologyPath: String?
    public let topologyHTTPPorts: [String: Int]

    /// - Parameters:
    ///   - extraIdentities: names the allow-list admits that have no queue (tools, attackers' stand-ins).
    ///   - commandRoutes: `sender:queue` pairs allowed to carry commands; `nil` lets every known service command every queue.
    ///   - usingTopology: spell the queues, ports and routes in a topology file of their own, as a
    ///     new service's line in deploy/topology.conf would, instead of in the environment.
    public init(
        queues names: [String], tag: String, extraIdentities: [String] = [], commandRoutes: [String]? = nil,
        usingTopology: Bool = false
    ) {
        let queues = Dictionary(uniqueKeysWithValues: names.map { ($0, freePort()) })
        self.queues = queues
        let senders = usingTopology ? names : names + extraIdentities
        let routes = commandRoutes ?? senders.flatMap { sender in names.map { "\(sender):\($0)" } }
        let serverKeys = try! CurveKeyPair.generate()
        let identities = Dictionary(
            uniqueKeysWithValues: (names + extraIdentities).map { ($0, try! CurveKeyPair.generate()) })
        self.serverKeys = serverKeys
        self.identities = identities
        let (eventsIn, eventsOut, commandsIn) = (self.eventsIn, self.eventsOut, self.commandsIn)
        var environment = [
            "HOSTWIRE_BROKER_EVENTS_IN": Self.endpoint(eventsIn),
            "HOSTWIRE_BROKER_EVENTS_OUT": Self.endpoint(eventsOut),
            "HOSTWIRE_BROKER_COMMANDS_IN": Self.endpoint(commandsIn),
            "HOSTWIRE_BUS_SERVER_SECRET_KEY": serverKeys.secretKey,
            "HOSTWIRE_BUS_IDENTITIES": identities.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.publicKey)" }
                .joined(separator: ","),
        ]
        if usingTopology {
            let httpPorts = Dictionary(uniqueKeysWithValues: names.map { ($0, freePort()) })
            let lines = names.map { name in
                let targets = routes.filter { $0.hasPrefix("\(name):") }.map { $0.dropFirst(name.count + 1) }
                return
                    "\(name) \(queues[name]!) \(httpPorts[name]!) \(targets.isEmpty ? "-" : targets.joined(separator: " "))"
            }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("topology-\(tag)-\(UUID()).conf")
                .path
            FileManager.default.createFile(atPath: path, contents: Data(lines.joined(separator: "\n").utf8))
            environment["HOSTWIRE_TOPOLOGY"] = path
            topologyPath = path
            topologyHTTPPorts = httpPorts
        } else {
            environment["HOSTWIRE_BROKER_QUEUES"] = queues.sorted { $0.key < $1.key }
                .map { "\($0.key)=\(Self.endpoint($0.value))" }.joined(separator: ",")
            environment["HOSTWIRE_BUS_COMMAND_ROUTES"] = routes.joined(separator: ",")
            topologyPath = nil
            topologyHTTPPorts = [:]
        }
        process = ServiceProcess(
            executable: "hostwire-broker", environment: environment, httpPort: freePort(), logName: "\(tag)-broker")
    }

    /// Bus endpoints, bus identity and database URL for `service`, which must be one of the queues.
    public func environment(for service: String, database: TestDatabase) -> [String: String] {
        var environment = [
            "HOSTWIRE_DATABASE_URL": database.url(as: service),
            "HOSTWIRE_BUS_PUBLISH": Self.endpoint(eventsIn),
            "HOSTWIRE_BUS_SUBSCRIBE": Self.endpoint(eventsOut),
            "HOSTWIRE_BUS_COMMANDS": Self.endpoint(commandsIn),
            "HOSTWIRE_BUS_SERVER_KEY": serverKeys.publicKey,
            "HOSTWIRE_BUS_SECRET_KEY": identities[service]!.secretKey,
        ]
        if let topologyPath {
            environment["HOSTWIRE_TOPOLOGY"] = topologyPath
        } else {
            environment["HOSTWIRE_BUS_QUEUE"] = Self.endpoint(queues[service]!)
        }
        return environment
    }

    /// CURVE options for a socket that connects to the broker as `identity` (or with a key
    /// the broker does not know, when `identity` is `nil`).
    public func clientOptions(as identity: String?) -> [SocketOption] {
        let keys = identity.map { identities[$0]! } ?? (try! CurveKeyPair.generate())
        return [.curveClient(publicKey: keys.publicKey, secretKey: keys.secretKey, serverKey: serverKeys.publicKey)]
    }

    static func endpoint(_ port: Int) -> String { "tcp://127.0.0.1:\(port)" }
}
