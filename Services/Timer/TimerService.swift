import Foundation
import HTTPSupport
import Hummingbird
import Persistence
import ServiceKit

/// Timer's settings, read from the environment (docs/configuration.md).
public struct TimerSettings: Sendable {
    public var apiTokens: APITokens
    /// Most missed slots of one schedule announced after a downtime.
    public var catchUpLimit: Int
    /// Whether `POST /api/timer/clock/advance` may move time forward (tests, load runs).
    public var adjustableClock: Bool

    public init(apiTokens: APITokens, catchUpLimit: Int = 48, adjustableClock: Bool = false) {
        self.apiTokens = apiTokens
        self.catchUpLimit = catchUpLimit
        self.adjustableClock = adjustableClock
    }

    public static func load(_ environment: Persistence.Environment = Persistence.Environment()) throws
        -> TimerSettings
    {
        TimerSettings(
            apiTokens: try APITokens(parsing: try environment.secret("HOSTWIRE_API_TOKENS") ?? ""),
            catchUpLimit: try environment.int("HOSTWIRE_TIMER_CATCH_UP_LIMIT", default: 48),
            adjustableClock: environment.string("HOSTWIRE_TIMER_ADJUSTABLE_CLOCK", default: "0") == "1")
    }
}

/// The timer service: announces `timer.fired` for each schedule's slots, once each.
public func buildTimer(_ settings: TimerSettings) -> ServiceDefinition {
    var definition = ServiceDefinition(name: "timer")
    definition.apiTokens = settings.apiTokens
    definition.services = { dependencies in
        [SlotFiring(store: dependencies.store, catchUpLimit: settings.catchUpLimit)]
    }
    definition.routes = { router, dependencies in
        let api = router.group("api/timer").add(
            middleware: BearerAuthMiddleware(tokens: settings.apiTokens, audit: dependencies.store))
        SchedulesController(database: dependencies.database, adjustableClock: settings.adjustableClock).addRoutes(
            to: api)
    }
    return definition
}
