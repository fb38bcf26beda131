import Foundation

/// A task's state as an operator sees it.
public struct TaskStatus: Sendable, Equatable, Codable {
    public let id: UUID
    public let type: String
    public let status: String
    public let attempts: Int
    public let maxAttempts: Int
    public let lastError: String?
}
