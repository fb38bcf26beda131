import Contracts
import Tasks

/// A numbered command from probe_a to probe_b; its effect is one row in probe_b's `effects`.
struct RecordEffect: Command {
    static let wireName = "probe.record-effect"
    static let queue = "probe_b"
    var number: Int
}

/// A numbered event probe_a publishes; probe_b records one row per event.
struct EffectRequested: Event {
    static let wireName = "probe.effect-requested"
    static let publisher = "probe_a"
    var number: Int
}

/// A task probe_b runs for each command, to exercise the task queue under faults.
struct FollowUp: TaskPayload {
    static let taskType = "probe.follow-up"
    static let maxAttempts = 5
    var number: Int
}
