import Delivery
import Foundation
import HTTPSupport
import Hummingbird
import Logging
import Metrics
import Persistence
import PostgresNIO
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals
import ZeroMQ

/// The composition root every service executable calls from `main`.
public enum ServiceHost {
    /// Bootstraps logging and metrics once per process; returns the metrics registry.
    public static func bootstrapProcess(logLevel: Logger.Level) -> PrometheusCollectorRegistry {
        bootstrapped.withLock { registry in
            if let registry { return registry }
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = logLevel
                return handler
            }
            let created = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: created))
            registry = created
            return created
        }
    }
    private static let bootstrapped = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Runs `definition` until SIGTERM or SIGINT (the executables' `main`).
    public static func run(_ definition: ServiceDefinition, configuration: ServiceConfiguration) async throws {
        let group = try await buildServiceGroup(
            definition, configuration: configuration, registry: bootstrapProcess(logLevel: configuration.logLevel))
        try await group.run()
    }

    /// Builds the whole service as one `ServiceGroup`: the Postgres client, the migrations,
    /// the bus connection, then — once the schema is migrated — the relay, the consumer, the
    /// task workers, the definition's own services and the HTTP server. The group starts
    /// them in this order and shuts them down in reverse (the HTTP server first, the Postgres
    /// client last). Tests run it in process with no signals and end it with
    /// `triggerGracefulShutdown()`.
    public static func buildServiceGroup(
        _ definition: ServiceDefinition, configuration: ServiceConfiguration, registry: PrometheusCollectorRegistry,
        gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint]
    ) async throws -> ServiceGroup {
        var definition = definition
        definition.maxRequestsInFlight = configuration.maxRequestsInFlight ?? definition.maxRequestsInFlight
        let logger = {
            var logger = Logger(label: "hostwire.\(definition.name)")
            logger.logLevel = configuration.logLevel
            return logger
        }()
        var databaseSettings = configuration.database
        databaseSettings.statementTimeout = databaseSettings.statementTimeout ?? Database.defaultDeadline
        let client = PostgresClient(configuration: databaseSettings.clientConfiguration, backgroundLogger: logger)
        let bus = try await BusConnection(
            context: ZMQContext(), service: definition.name, endpoints: configuration.bus,
            publishers: definition.handlers.publishers, security: configuration.busSecurity)
        let database = Database(client: client, logger: logger)
        let store = ServiceStore(database: database, outbox: Outbox(source: definition.name))
        let dependencies = ServiceDependencies(store: store, taskRegistry: definition.tasks)
        let readiness = Readiness { (try? await database.query("SELECT 1")) != nil }

        let router = buildRouter(definition, dependencies: dependencies)
        OperationsController<ServiceRequestContext>(registry: registry, readiness: readiness).addRoutes(to: router)
        let app = Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: definition.name),
            logger: logger)

        var running: [any Service] = [
            OutboxRelay(
                database: database, bus: bus, outbox: store.outbox, settings: configuration.relay, logger: logger),
            MessageConsumer(
                database: database, bus: bus, outbox: store.outbox, tasks: store.tasks, handlers: definition.handlers,
                logger: logger),
        ]
        if !definition.tasks.isEmpty {
            running.append(
                TaskWorker(
                    store: store, registry: definition.tasks, concurrency: configuration.workerConcurrency,
                    lease: configuration.taskLease, backoff: configuration.taskBackoff, logger: logger))
        }
        running += definition.services(dependencies)
        running.append(app)

        let clientRunning = StartGate()
        let migrated = StartGate()
        let name = definition.name
        let migrations = MigrationService(
            migrate: {
                // The pool warns about a lease before its run() began; its first lines set it running.
                guard await clientRunning.wait() else { throw CancellationError() }
                await Task.yield()
                try await migrate(name, directory: configuration.migrationsDirectory, client: client, logger: logger)
                readiness.markStarted()
                logger.info("service started", metadata: ["http_port": "\(configuration.httpPort)"])
            }, gate: migrated)
        let closing = OnGracefulShutdown {
            await bus.close()
            logger.info("service stopped")
        }
        let services: [ServiceGroupConfiguration.ServiceConfiguration] =
            [
                .init(service: StartingService(started: clientRunning, service: client)),
                .init(service: migrations), .init(service: closing),
            ]
            + running.map { .init(service: GatedService(gate: migrated, service: $0)) }
        return ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: gracefulShutdownSignals, logger: logger))
    }

    /// The service's HTTP routes behind the JSON error middleware (tests use it with `app.test(.router)`).
    public static func buildRouter(_ definition: ServiceDefinition, dependencies: ServiceDependencies) -> Router<
        ServiceRequestContext
    > {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: LoadSheddingMiddleware(limit: definition.maxRequestsInFlight))
        definition.routes(router, dependencies)
        if let tokens = definition.apiTokens {
            let replayer = DeadLetterReplayer(store: dependencies.store, handlers: definition.handlers)
            DeadLettersController<ServiceRequestContext>(database: dependencies.database, replayer: replayer)
                .addRoutes(
                    to: router.group("api/\(definition.name)").add(
                        middleware: BearerAuthMiddleware(tokens: tokens, audit: dependencies.store)))
        }
        return router
    }

    /// Applies the messaging tables and `directory`'s scripts, waiting for Postgres if needed.
    public static func migrate(_ name: String, directory: URL, client: PostgresClient, logger: Logger) async throws {
        var own: [Migration] = []
        if FileManager.default.fileExists(atPath: directory.path) {
            own = try Migration.load(from: directory, component: name)
        }
        let runner = MigrationRunner(schema: name, migrations: MessagingSchema.migrations + own, logger: logger)
        var attempt = 0
        while true {
            do {
                try await runner.run(on: client)
                return
            } catch {
                attempt += 1
                if attempt >= 60 { throw error }
                logger.warning(
                    "migrations not applied yet; retrying", metadata: ["error": "\(String(reflecting: error))"])
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}
