import Contracts
import Foundation
import Tasks
import WireCodec

/// The tasks a service runs: each task type registered once, with its handler and the hooks
/// that belong to it, all given the already-decoded payload.
///
/// A task's wire name (``TaskPayload/taskType``) and attempts (``TaskPayload/maxAttempts``)
/// are declared on its type; the registry is the only place that maps stored rows to code.
public struct TaskRegistry: Sendable {
    struct Entry: Sendable {
        let run: @Sendable (ClaimedTask, TaskCompletion) async throws -> Void
        let onFinalFailure: (@Sendable (ClaimedTask, TaskFailure, Transaction) async throws -> Void)?
        let beforeRetry: (@Sendable (String, Transaction) async throws -> Void)?
    }
    private(set) var entries: [String: Entry] = [:]

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }
    var types: [String] { Array(entries.keys) }

    /// Registers task `T`.
    /// - Parameters:
    ///   - run: does the work; it ends with ``TaskCompletion/finish(_:)`` (or returns, which
    ///     finishes with no effects). Thrown errors are retried with backoff until
    ///     `T.maxAttempts`; ``PermanentTaskFailure`` fails at once, ``TaskDeferral`` waits.
    ///   - onFinalFailure: writes the consequences of giving up, in the transaction that marks
    ///     the task failed.
    ///   - beforeRetry: runs when an operator puts a failed task back, in that transaction;
    ///     it may refuse by throwing.
    public mutating func register<T: TaskPayload>(
        _ type: T.Type,
        run: @escaping @Sendable (T, TaskCompletion) async throws -> Void,
        onFinalFailure: (@Sendable (T, TaskFailure, Transaction) async throws -> Void)? = nil,
        beforeRetry: (@Sendable (T, Transaction) async throws -> Void)? = nil
    ) {
        precondition(entries[T.taskType] == nil, "task \(T.taskType) is registered twice")
        var failureHook: (@Sendable (ClaimedTask, TaskFailure, Transaction) async throws -> Void)?
        if let onFinalFailure {
            failureHook = { task, failure, transaction in
                try await onFinalFailure(try Self.decode(T.self, task.payload), failure, transaction)
            }
        }
        var retryHook: (@Sendable (String, Transaction) async throws -> Void)?
        if let beforeRetry {
            retryHook = { payload, transaction in try await beforeRetry(try Self.decode(T.self, payload), transaction) }
        }
        entries[T.taskType] = Entry(
            run: { task, completion in try await run(try Self.decode(T.self, task.payload), completion) },
            onFinalFailure: failureHook, beforeRetry: retryHook)
    }

    /// Runs the hook of a failed task an operator puts back, if its type has one.
    public func beforeRetry(type: String, payload: String, in transaction: Transaction) async throws {
        try await entries[type]?.beforeRetry?(payload, transaction)
    }

    static func decode<T: TaskPayload>(_ type: T.Type, _ payload: String) throws -> T {
        do {
            return try WireCoding.decode(T.self, from: Array(payload.utf8))
        } catch {
            throw PermanentTaskFailure("payload of \(T.taskType) does not decode: \(error)")
        }
    }
}

/// A task's final failure, as its hook gets it.
public struct TaskFailure: Sendable {
    public let taskID: UUID
    public let attempt: Int
    /// The last error, as stored in `last_error`.
    public let message: String
}

/// Thrown by a `beforeRetry` hook that refuses the retry; operators get 409 with `code`.
public struct RetryRefused: Error, Sendable {
    public let code: String
    public let reason: String
    public init(code: String, _ reason: String) {
        self.code = code
        self.reason = reason
    }
}
