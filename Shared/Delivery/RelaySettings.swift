/// How the outbox relay paces itself.
public struct RelaySettings: Sendable {
    /// Rows sent per round.
    public var batchSize = 1000
    /// How long an idle relay sleeps when nobody wakes it.
    public var idleInterval: Duration = .milliseconds(200)
    /// Backoff between re-sends of an unacknowledged command. Capped at a minute: a command
    /// lost with a restarting broker or consumer goes again within a minute of its return,
    /// and a duplicate costs the receiver one inbox lookup. The first re-send waits 2.5–5 s,
    /// long enough that an overloaded receiver's late acks do not cost it duplicates
    /// (docs/performance.md, "Command re-send backoff").
    public var commandBackoff = Backoff(base: 5, maximum: 60)
    /// Sends of a command before it is dead-lettered (about a day with the default backoff).
    public var maxCommandAttempts = 1500
    /// How often the publisher announces its last sequence.
    public var heartbeatInterval: Duration = .seconds(1)
    /// How long sent events and acknowledged commands stay replayable.
    public var retention: Duration = .seconds(7 * 24 * 3600)

    public init() {}
}
