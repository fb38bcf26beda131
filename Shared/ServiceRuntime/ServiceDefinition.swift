import Hummingbird
import Logging
import Messaging
import Persistence
import ServiceLifecycle

/// What a service plugs into the shared runtime: its handlers, tasks and HTTP routes.
public struct ServiceDefinition: Sendable {
    public var name: String
    public var defaultHTTPPort: Int
    public var handlers = MessageHandlers()
    public var tasks: [String: TaskWorker.Handler] = [:]
    public var onTaskFailure: TaskWorker.FailureHook?
    /// Operators' tokens for the endpoints every service serves under `/api/<name>`
    /// (dead letters); without them those endpoints are not served.
    public var apiTokens: APITokens?
    /// Adds the service's own routes, given the running dependencies.
    public var routes: @Sendable (Router<BasicRequestContext>, ServiceDependencies) -> Void = { _, _ in }
    /// Long-running work of the service's own, run beside the relay, consumer and workers.
    public var services: @Sendable (ServiceDependencies) -> [any Service] = { _ in [] }

    public init(name: String, defaultHTTPPort: Int) {
        self.name = name
        self.defaultHTTPPort = defaultHTTPPort
    }
}

/// The running pieces a service's routes and tasks use.
public struct ServiceDependencies: Sendable {
    public let database: Database
    public let outbox: Outbox
    public let tasks: TaskQueue
    public let logger: Logger

    public init(database: Database, outbox: Outbox, tasks: TaskQueue, logger: Logger) {
        self.database = database
        self.outbox = outbox
        self.tasks = tasks
        self.logger = logger
    }
}
