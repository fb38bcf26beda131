/// Thrown by a task that cannot proceed yet for a reason outside it (no server has room):
/// it is tried again after `delay` without using up an attempt, and `reason` is shown as
/// its last error so operators see why it waits.
public struct TaskDeferral: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public let delay: Duration
    public init(_ reason: String, delay: Duration = .seconds(30)) {
        self.reason = reason
        self.delay = delay
    }
    public var description: String { reason }
}
