import HTTPSupport
import Hummingbird
import Logging
import Persistence
import ServiceLifecycle

/// What a service plugs into the shared runtime: its handlers, tasks and HTTP routes.
public struct ServiceDefinition: Sendable {
    public var name: String
    public var handlers = MessageHandlers()
    public var tasks = TaskRegistry()
    /// Operators' tokens for the endpoints every service serves under `/api/<name>`
    /// (dead letters); without them those endpoints are not served.
    public var apiTokens: APITokens?
    /// Most HTTP requests served at once; more are answered 503 with `Retry-After`
    /// (`HOSTWIRE_HTTP_MAX_IN_FLIGHT` in the running service).
    public var maxRequestsInFlight = 256
    /// Adds the service's own routes, given the running dependencies.
    public var routes: @Sendable (Router<ServiceRequestContext>, ServiceDependencies) -> Void = { _, _ in }
    /// Long-running work of the service's own, run beside the relay, consumer and workers.
    public var services: @Sendable (ServiceDependencies) -> [any Service] = { _ in [] }

    public init(name: String) {
        self.name = name
    }
}

/// The running pieces a service's routes and long-running work use.
public struct ServiceDependencies: Sendable {
    /// The service's database, outbox and task queue; every write goes through it.
    public let store: ServiceStore
    /// The service's registered tasks (for the task endpoints' retry hooks).
    public let taskRegistry: TaskRegistry

    public init(store: ServiceStore, taskRegistry: TaskRegistry = TaskRegistry()) {
        self.store = store
        self.taskRegistry = taskRegistry
    }

    public var database: Database { store.database }
    public var logger: Logger { store.logger }
}
