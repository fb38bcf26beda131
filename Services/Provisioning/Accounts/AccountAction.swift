import Foundation
import Persistence
import PostgresNIO
import ServiceKit
import Tasks

/// A change asked of an account after it exists, as stored in `account_actions.action`.
enum AccountAction: String, Codable, Sendable, CaseIterable {
    case suspend
    case unsuspend
    case terminate
    case changePackage = "change-package"
    case resetPassword = "reset-password"
}

/// How an asked-for change ended.
enum AccountActionStatus: String, Codable, Sendable {
    case pending
    case done
    /// The account was in no state for it (already terminated, not suspended for that reason).
    case skipped
    case failed
}

/// A task that carries out one ``AccountAction`` and records how it ended on its row.
protocol AccountActionTask: TaskPayload {
    static var action: AccountAction { get }
    var accountID: UUID { get }
    /// The `account_actions` row; `nil` for a task queued before actions were recorded.
    var actionID: UUID? { get }
    var actor: String? { get }
    /// The suspension's reason or the new plan, as stored with the action.
    var detail: String? { get }
}

/// One row of `account_actions`, as the admin API shows it.
struct AccountActionRecord: Encodable, Sendable {
    let id: UUID
    let accountID: UUID
    let action: AccountAction
    let detail: String?
    let actor: String
    let status: AccountActionStatus
    let requestedAt: Date
    let finishedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id
        case accountID = "account_id"
        case action, detail, actor, status
        case requestedAt = "requested_at"
        case finishedAt = "finished_at"
    }
}

/// The `account_actions` table: who asked what of an account, and how it ended.
enum AccountActions {
    /// Queues `task` and records its action, once per `dedupeKey`; returns the action's
    /// record, or `nil` when that key was queued before.
    @discardableResult
    static func request<T: AccountActionTask>(_ task: T, dedupeKey: String?, in transaction: Transaction) async throws
        -> UUID?
    {
        guard try await transaction.enqueue(task, dedupeKey: dedupeKey) != nil, let id = task.actionID else {
            return nil
        }
        try await transaction.query(
            """
            INSERT INTO account_actions (id, account_id, action, detail, actor)
            VALUES (\(id), \(task.accountID), \(T.action.rawValue), \(task.detail), \(task.actor ?? "unknown"))
            """)
        return id
    }

    /// Records how the task's action ended, in the transaction that ends the task.
    static func finish(_ task: some AccountActionTask, _ status: AccountActionStatus, in transaction: Transaction)
        async throws
    {
        guard let id = task.actionID else { return }
        try await transaction.query(
            """
            UPDATE account_actions SET status = \(status.rawValue), finished_at = now() WHERE id = \(id) AND status = 'pending'
            """)
    }

    static func list(account: UUID, on database: Database) async throws -> [AccountActionRecord] {
        try await database.query(
            """
            SELECT id, account_id, action, detail, actor, status, requested_at, finished_at FROM account_actions
            WHERE account_id = \(account) ORDER BY requested_at DESC, id LIMIT 200
            """
        ).map { row in
            let (id, account, action, detail, actor, status, requested, finished) =
                try row.decode((UUID, UUID, String, String?, String, String, Date, Date?).self)
            // The table's CHECK constraints hold both to these enums.
            guard let action = AccountAction(rawValue: action), let status = AccountActionStatus(rawValue: status)
            else {
                throw UnknownActionRow(action: action, status: status)
            }
            return AccountActionRecord(
                id: id, accountID: account, action: action, detail: detail, actor: actor, status: status,
                requestedAt: requested, finishedAt: finished)
        }
    }
}

/// A row the CHECK constraints should have refused.
struct UnknownActionRow: Error { let action: String, status: String }
