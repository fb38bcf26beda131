/// A unit of a service's own work, stored as a task row and retried until done or failed.
public protocol TaskPayload: Codable, Sendable {
    /// The stable name stored in `tasks.type`.
    static var taskType: String { get }
    /// Attempts before the task is marked failed and kept for an operator.
    static var maxAttempts: Int { get }
}
