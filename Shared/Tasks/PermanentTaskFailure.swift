/// A failure that retrying cannot cure: the task is marked failed at once.
public struct PermanentTaskFailure: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
