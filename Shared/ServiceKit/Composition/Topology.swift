import Foundation
import Persistence

/// The services on the bus, their queue and HTTP ports, and the queues each may command:
/// `deploy/topology.conf`, or the file `HOSTWIRE_TOPOLOGY` names.
public struct Topology: Sendable, Equatable {
    /// One service's line.
    public struct Service: Sendable, Equatable {
        public var name: String
        public var queuePort: Int
        public var httpPort: Int
        /// The queues this service may send commands to.
        public var commandsTo: [String]

        public init(name: String, queuePort: Int, httpPort: Int, commandsTo: [String]) {
            self.name = name
            self.queuePort = queuePort
            self.httpPort = httpPort
            self.commandsTo = commandsTo
        }
    }

    /// The services in the file's order.
    public var services: [Service]

    /// The service called `name`, if the topology has one.
    public func service(_ name: String) -> Service? {
        services.first { $0.name == name }
    }

    /// `sender:queue` pairs, as `HOSTWIRE_BUS_COMMAND_ROUTES` spells them.
    public var commandRoutes: [String: Set<String>] {
        var routes: [String: Set<String>] = [:]
        for service in services { routes[service.name, default: []].formUnion(service.commandsTo) }
        return routes
    }

    /// The file's path: `HOSTWIRE_TOPOLOGY`, else `deploy/topology.conf` under the working directory.
    public static func path(_ environment: Environment = Environment()) -> String {
        environment.string("HOSTWIRE_TOPOLOGY", default: "deploy/topology.conf")
    }

    /// Reads the topology `environment` points at.
    public static func load(_ environment: Environment = Environment()) throws -> Topology {
        try load(from: path(environment))
    }

    /// Reads the topology file at `path`.
    public static func load(from path: String) throws -> Topology {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw SettingsError("no topology at \(path) (HOSTWIRE_TOPOLOGY names another)")
        }
        return try Topology(parsing: text)
    }

    /// Parses the file's text: `name queue-port http-port queue…` a line, `-` for no queues, `#` comments.
    public init(parsing text: String) throws {
        var services: [Service] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .split(whereSeparator: \.isWhitespace).map(String.init)
            guard !fields.isEmpty else { continue }
            guard fields.count >= 4, let queue = Int(fields[1]), let http = Int(fields[2]),
                (1...65_535).contains(queue), (1...65_535).contains(http),
                fields[0].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
            else {
                throw SettingsError("topology line \(index + 1) is not: name queue-port http-port queue… (or -)")
            }
            let targets = fields[3...].filter { $0 != "-" }
            services.append(Service(name: fields[0], queuePort: queue, httpPort: http, commandsTo: Array(targets)))
        }
        let names = services.map(\.name)
        guard Set(names).count == names.count else { throw SettingsError("the topology names a service twice") }
        for service in services {
            for target in service.commandsTo where !names.contains(target) {
                throw SettingsError("the topology lets \(service.name) command \(target), which it does not list")
            }
        }
        self.services = services
    }
}
