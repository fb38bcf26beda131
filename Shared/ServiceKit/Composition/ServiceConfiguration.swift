import Delivery
import Foundation
import Logging
import Persistence
import ZeroMQ

/// Everything a Hostwire service needs to start, read from the environment.
public struct ServiceConfiguration: Sendable {
    public var database: DatabaseSettings
    public var httpHost: String
    public var httpPort: Int
    public var bus: BusEndpoints
    /// CURVE options for the bus sockets; empty when the bus runs without encryption.
    public var busSecurity: [SocketOption]
    public var migrationsDirectory: URL
    public var logLevel: Logger.Level
    public var workerConcurrency: Int
    /// `HOSTWIRE_HTTP_MAX_IN_FLIGHT`: most HTTP requests served at once (the definition's default when unset).
    public var maxRequestsInFlight: Int?
    public var relay: RelaySettings
    /// How long failed tasks wait before their next attempt.
    public var taskBackoff: Backoff
    /// How long a claimed task is a worker's before others may take it; renewed while it runs.
    public var taskLease: Duration

    /// Reads the configuration of service `name` from `environment`; its queue and HTTP port
    /// come from the topology (deploy/topology.conf) unless the environment gives both.
    public static func load(service name: String, environment: Environment = Environment()) throws
        -> ServiceConfiguration
    {
        let broker = environment.string("HOSTWIRE_BROKER_HOST", default: "127.0.0.1")
        var listed: Topology.Service?
        if environment.optional("HOSTWIRE_BUS_QUEUE") == nil || environment.optional("HOSTWIRE_HTTP_PORT") == nil {
            guard let line = try Topology.load(environment).service(name) else {
                throw SettingsError(
                    "\(name) is not in the topology \(Topology.path(environment)): add its line, "
                        + "or set HOSTWIRE_BUS_QUEUE and HOSTWIRE_HTTP_PORT")
            }
            listed = line
        }
        let databaseURL =
            try environment.secret("HOSTWIRE_DATABASE_URL") ?? "postgres://\(name)@127.0.0.1:55432/postgres"
        var security: [SocketOption] = []
        if let serverKey = environment.optional("HOSTWIRE_BUS_SERVER_KEY") {
            guard let secret = try environment.secret("HOSTWIRE_BUS_SECRET_KEY") else {
                throw SettingsError("HOSTWIRE_BUS_SERVER_KEY is set but HOSTWIRE_BUS_SECRET_KEY is not")
            }
            security = [
                .curveClient(
                    publicKey: try CurveKeyPair.publicKey(forSecret: secret), secretKey: secret, serverKey: serverKey)
            ]
        }
        return ServiceConfiguration(
            database: try DatabaseSettings(
                url: databaseURL, schema: name,
                maximumConnections: try environment.int("HOSTWIRE_DATABASE_POOL", default: 10)),
            httpHost: environment.string("HOSTWIRE_HTTP_HOST", default: "127.0.0.1"),
            httpPort: try environment.int("HOSTWIRE_HTTP_PORT", default: listed?.httpPort ?? 0),
            bus: BusEndpoints(
                publish: environment.string("HOSTWIRE_BUS_PUBLISH", default: "tcp://\(broker):5570"),
                subscribe: environment.string("HOSTWIRE_BUS_SUBSCRIBE", default: "tcp://\(broker):5571"),
                commands: environment.string("HOSTWIRE_BUS_COMMANDS", default: "tcp://\(broker):5572"),
                queue: environment.string("HOSTWIRE_BUS_QUEUE", default: "tcp://\(broker):\(listed?.queuePort ?? 0)")),
            busSecurity: security,
            migrationsDirectory: URL(
                fileURLWithPath: environment.string("HOSTWIRE_MIGRATIONS", default: "migrations/\(name)")),
            logLevel: Logger.Level(rawValue: environment.string("HOSTWIRE_LOG_LEVEL", default: "info")) ?? .info,
            workerConcurrency: try environment.int("HOSTWIRE_WORKERS", default: 8),
            maxRequestsInFlight: try environment.optional("HOSTWIRE_HTTP_MAX_IN_FLIGHT").map { _ in
                try environment.int("HOSTWIRE_HTTP_MAX_IN_FLIGHT", default: 256)
            },
            relay: try relaySettings(environment),
            taskBackoff: Backoff(
                base: try environment.double("HOSTWIRE_TASK_RETRY_BASE_SECONDS", default: 1),
                maximum: try environment.double("HOSTWIRE_TASK_RETRY_MAX_SECONDS", default: 600)),
            taskLease: .seconds(try environment.int("HOSTWIRE_TASK_LEASE_SECONDS", default: 30)))
    }

    private static func relaySettings(_ environment: Environment) throws -> RelaySettings {
        var settings = RelaySettings()
        settings.retention = .seconds(try environment.int("HOSTWIRE_OUTBOX_RETENTION_HOURS", default: 7 * 24) * 3600)
        settings.maxCommandAttempts = try environment.int(
            "HOSTWIRE_COMMAND_MAX_SENDS", default: settings.maxCommandAttempts)
        settings.commandBackoff.base = try environment.double(
            "HOSTWIRE_COMMAND_RESEND_BASE_SECONDS",
            default: settings.commandBackoff.base)
        return settings
    }
}
