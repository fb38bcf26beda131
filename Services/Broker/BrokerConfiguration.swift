import Persistence
import ServiceKit
import ZeroMQ

/// The broker's addresses and queues, read from the environment (docs/configuration.md).
struct BrokerConfiguration: Sendable {
    var eventsIn: String
    var eventsOut: String
    var commandsIn: String
    /// Each consuming service's queue and the address its PUSH socket binds.
    var queues: [String: String]
    var httpHost: String
    var httpPort: Int
    /// The broker's CURVE secret key; when set, every socket requires CURVE clients.
    var curveSecretKey: String?
    /// Identities and what each may do; `nil` without `HOSTWIRE_BUS_IDENTITIES` (any client
    /// with the server key may do anything: only for benchmarks of the bare bus).
    var policy: BusPolicy?
    /// Messages and bytes held per queue while its consumer is away; the oldest go first.
    var outboundCapacity: Int
    var outboundCapacityBytes: Int
    /// Largest message accepted; a peer sending a larger one is disconnected.
    var maximumMessageBytes: Int

    static func load(_ environment: Environment = Environment()) throws -> BrokerConfiguration {
        let bind = environment.string("HOSTWIRE_BROKER_BIND", default: "127.0.0.1")
        // The topology is read only for what the environment does not spell out.
        let explicitQueues = environment.optional("HOSTWIRE_BROKER_QUEUES")
        let explicitRoutes = environment.optional("HOSTWIRE_BUS_COMMAND_ROUTES")
        let topology = explicitQueues != nil && explicitRoutes != nil ? nil : try Topology.load(environment)
        var queues: [String: String] = [:]
        if let list = explicitQueues {
            for item in list.split(separator: ",") {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, !parts[0].contains("/") else {
                    throw SettingsError("HOSTWIRE_BROKER_QUEUES item '\(item)' is not name=endpoint")
                }
                queues[parts[0]] = parts[1]
            }
        } else if let topology {
            for service in topology.services { queues[service.name] = "tcp://\(bind):\(service.queuePort)" }
        }
        let policy = try Self.policy(environment, topology: topology)
        let curveSecretKey = try environment.secret("HOSTWIRE_BUS_SERVER_SECRET_KEY")
        if policy != nil && curveSecretKey == nil {
            throw SettingsError(
                "HOSTWIRE_BUS_IDENTITIES needs HOSTWIRE_BUS_SERVER_SECRET_KEY: identities are CURVE keys")
        }
        return BrokerConfiguration(
            eventsIn: environment.string("HOSTWIRE_BROKER_EVENTS_IN", default: "tcp://\(bind):5570"),
            eventsOut: environment.string("HOSTWIRE_BROKER_EVENTS_OUT", default: "tcp://\(bind):5571"),
            commandsIn: environment.string("HOSTWIRE_BROKER_COMMANDS_IN", default: "tcp://\(bind):5572"),
            queues: queues,
            httpHost: environment.string("HOSTWIRE_HTTP_HOST", default: "127.0.0.1"),
            httpPort: try environment.int("HOSTWIRE_HTTP_PORT", default: 8090),
            curveSecretKey: curveSecretKey,
            policy: policy,
            outboundCapacity: try environment.int("HOSTWIRE_BROKER_QUEUE_CAPACITY", default: 100_000),
            outboundCapacityBytes: try environment.int("HOSTWIRE_BROKER_QUEUE_CAPACITY_BYTES", default: 256 << 20),
            maximumMessageBytes: try environment.int("HOSTWIRE_BROKER_MAX_MESSAGE_BYTES", default: 1 << 20))
    }

    /// `HOSTWIRE_BUS_IDENTITIES=checkout=<Z85 public key>,…`, and the command routes of
    /// `HOSTWIRE_BUS_COMMAND_ROUTES=checkout:provisioning,billing:provisioning,…` or else the topology's.
    static func policy(_ environment: Environment, topology: Topology?) throws -> BusPolicy? {
        guard let list = environment.optional("HOSTWIRE_BUS_IDENTITIES") else { return nil }
        var identities: [String: String] = [:]
        for item in list.split(separator: ",") {
            // Z85 has '=' in its alphabet but names have none: split at the first.
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].count == 40 else {
                throw SettingsError(
                    "HOSTWIRE_BUS_IDENTITIES item '\(item.prefix(20))…' is not name=<40-character Z85 public key>")
            }
            guard identities.updateValue(parts[0], forKey: parts[1]) == nil else {
                throw SettingsError("HOSTWIRE_BUS_IDENTITIES gives two services one key")
            }
        }
        var routes = topology?.commandRoutes
        if let text = environment.optional("HOSTWIRE_BUS_COMMAND_ROUTES") {
            var parsed: [String: Set<String>] = [:]
            for item in text.split(separator: ",") {
                let parts = item.split(separator: ":").map(String.init)
                guard parts.count == 2 else {
                    throw SettingsError("HOSTWIRE_BUS_COMMAND_ROUTES item '\(item)' is not sender:queue")
                }
                parsed[parts[0], default: []].insert(parts[1])
            }
            routes = parsed
        }
        return BusPolicy(identities: identities, commandRoutes: routes)
    }

    var socketOptions: [SocketOption] {
        var options: [SocketOption] = [.busKeepalive, .maximumMessageSize(Int64(maximumMessageBytes))]
        if let curveSecretKey { options.append(.curveServer(secretKey: curveSecretKey)) }
        return options
    }
}
