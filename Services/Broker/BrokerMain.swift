import HTTPSupport
import Hummingbird
import Logging
import ServiceKit
import ServiceLifecycle
import UnixSignals
import ZeroMQ

/// The broker: stateless forwarding of events and commands, with `/health` and `/metrics`.
@main
struct BrokerMain {
    static func main() async throws {
        // `hostwire-broker keypair`: a new CURVE key pair, public then secret, one a line (the
        // launcher and deploy/compose-secrets.sh make every bus identity with it).
        if CommandLine.arguments.dropFirst().first == "keypair" {
            let keys = try CurveKeyPair.generate()
            print(keys.publicKey)
            print(keys.secretKey)
            return
        }
        let configuration = try BrokerConfiguration.load()
        let registry = ServiceHost.bootstrapProcess(logLevel: .info)
        let logger = Logger(label: "hostwire.broker")
        let forwarder = try await Forwarder(
            context: ZMQContext(), configuration: configuration, registry: registry, logger: logger)
        logger.info(
            "broker forwarding",
            metadata: [
                "events_in": "\(configuration.eventsIn)", "events_out": "\(configuration.eventsOut)",
                "commands_in": "\(configuration.commandsIn)", "queues": "\(configuration.queues.keys.sorted())",
                "identities": "\(configuration.policy.map { "\($0.identities.count) admitted" } ?? "not checked")",
            ])
        let router = Router()
        router.add(middleware: JSONErrorMiddleware())
        OperationsController<BasicRequestContext>(
            registry: registry,
            readiness: {
                let readiness = Readiness()
                readiness.markStarted()
                return readiness
            }()
        ).addRoutes(to: router)
        let app = Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "broker"),
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                // The forwarding thread runs from its `init`; it stops once the HTTP server has.
                services: [.init(service: OnGracefulShutdown { await forwarder.stop() }), .init(service: app)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
