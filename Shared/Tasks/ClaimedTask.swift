import Foundation

/// A claimed task: its row as the worker leased it.
public struct ClaimedTask: Sendable {
    public let id: UUID
    public let type: String
    public let payload: String
    /// This attempt's number, from 1.
    public let attempt: Int
    public let maxAttempts: Int
    public let correlationID: UUID?

    package init(id: UUID, type: String, payload: String, attempt: Int, maxAttempts: Int, correlationID: UUID?) {
        self.id = id
        self.type = type
        self.payload = payload
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.correlationID = correlationID
    }
}
