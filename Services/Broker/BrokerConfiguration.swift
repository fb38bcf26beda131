import Persistence
import ServiceRuntime
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
    var outboundCapacity: Int

    static func load(_ environment: Environment = Environment()) throws -> BrokerConfiguration {
        let bind = environment.string("HOSTWIRE_BROKER_BIND", default: "127.0.0.1")
        var queues: [String: String] = [:]
        if let list = environment.optional("HOSTWIRE_BROKER_QUEUES") {
            for item in list.split(separator: ",") {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, !parts[0].contains("/") else {
                    throw SettingsError("HOSTWIRE_BROKER_QUEUES item '\(item)' is not name=endpoint")
                }
                queues[parts[0]] = parts[1]
            }
        } else {
            for (name, port) in ServiceConfiguration.localQueuePorts { queues[name] = "tcp://\(bind):\(port)" }
        }
        return BrokerConfiguration(
            eventsIn: environment.string("HOSTWIRE_BROKER_EVENTS_IN", default: "tcp://\(bind):5570"),
            eventsOut: environment.string("HOSTWIRE_BROKER_EVENTS_OUT", default: "tcp://\(bind):5571"),
            commandsIn: environment.string("HOSTWIRE_BROKER_COMMANDS_IN", default: "tcp://\(bind):5572"),
            queues: queues,
            httpHost: environment.string("HOSTWIRE_HTTP_HOST", default: "127.0.0.1"),
            httpPort: try environment.int("HOSTWIRE_HTTP_PORT", default: 8090),
            curveSecretKey: try environment.secret("HOSTWIRE_BUS_SERVER_SECRET_KEY"),
            outboundCapacity: try environment.int("HOSTWIRE_BROKER_QUEUE_CAPACITY", default: 100_000))
    }

    var socketOptions: [SocketOption] {
        var options: [SocketOption] = [.busKeepalive]
        if let curveSecretKey { options.append(.curveServer(secretKey: curveSecretKey)) }
        return options
    }
}
