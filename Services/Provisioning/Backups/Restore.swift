import Contracts
import Foundation
import Persistence
import PostgresNIO
import ServiceKit

// Stored in `restores.step`.
extension RestoreStep: StoredState {}

/// A restore of an account to one of its backups.
struct Restore: Sendable, Encodable {
    let id: UUID
    let accountID: UUID
    let backupID: UUID
    let safetyBackupID: UUID?
    var step: RestoreStep
    let panelJob: String?
    let requestedBy: String?
    let requestedAt: Date
    let finishedAt: Date?
    let lastError: String?

    enum CodingKeys: String, CodingKey {
        case id
        case accountID = "account_id"
        case backupID = "backup_id"
        case safetyBackupID = "safety_backup_id"
        case step
        case requestedBy = "requested_by"
        case requestedAt = "requested_at"
        case finishedAt = "finished_at"
        case lastError = "last_error"
    }

    static let columns = """
        id, account_id, backup_id, safety_backup_id, step, panel_job, requested_by, requested_at, finished_at, last_error
        """

    init(row: PostgresRow) throws {
        let cells = row.makeRandomAccess()
        id = try cells[0].decode(UUID.self)
        accountID = try cells[1].decode(UUID.self)
        backupID = try cells[2].decode(UUID.self)
        safetyBackupID = try cells[3].decode(UUID?.self)
        step = try cells[4].decode(RestoreStep.self)
        panelJob = try cells[5].decode(String?.self)
        requestedBy = try cells[6].decode(String?.self)
        requestedAt = try cells[7].decode(Date.self)
        finishedAt = try cells[8].decode(Date?.self)
        lastError = try cells[9].decode(String?.self)
    }
}

/// The `restores` table.
struct RestoreStore: Sendable {
    let database: Database

    func restore(_ id: UUID) async throws -> Restore? {
        try await database.query("SELECT \(unescaped: Restore.columns) FROM restores WHERE id = \(id)").first.map(
            Restore.init(row:))
    }

    func restores(of account: UUID, limit: Int) async throws -> [Restore] {
        try await database.query(
            """
            SELECT \(unescaped: Restore.columns) FROM restores WHERE account_id = \(account)
            ORDER BY requested_at DESC, id LIMIT \(limit)
            """
        ).map(Restore.init(row:))
    }

    /// Adds a restore of the account to one of its completed backups; `nil` when the account
    /// has a restore under way (the partial unique index) or the backup is not its, or not there.
    static func insert(
        id: UUID, account: UUID, backup: UUID, requestedBy: String?, in transaction: Transaction
    ) async throws -> UUID? {
        try await transaction.query(
            """
            INSERT INTO restores (id, account_id, backup_id, requested_by)
            SELECT \(id), b.account_id, b.id, \(requestedBy) FROM backups b
            WHERE b.id = \(backup) AND b.account_id = \(account) AND b.status = 'completed'
            ON CONFLICT (account_id) WHERE step NOT IN ('done', 'failed') DO NOTHING
            RETURNING id
            """
        ).first.map { try $0.decode(UUID.self) }
    }

    static func setSafetyBackup(_ backup: UUID, of id: UUID, in transaction: Transaction) async throws {
        try await transaction.query("UPDATE restores SET safety_backup_id = \(backup) WHERE id = \(id)")
    }

    static func advance(_ id: UUID, to step: RestoreStep, on runner: some QueryRunning) async throws {
        try await runner.query("UPDATE restores SET step = \(step), panel_job = NULL WHERE id = \(id)")
    }

    func setJob(_ job: String?, of id: UUID, error: String? = nil) async throws {
        try await database.query("UPDATE restores SET panel_job = \(job), last_error = \(error) WHERE id = \(id)")
    }

    static func finish(_ id: UUID, in transaction: Transaction) async throws {
        try await transaction.query("UPDATE restores SET step = 'done', finished_at = now() WHERE id = \(id)")
    }

    /// Gives the restore up; its account, `nil` when it had ended already.
    static func fail(_ id: UUID, reason: String, in transaction: Transaction) async throws -> UUID? {
        try await transaction.query(
            """
            UPDATE restores SET step = 'failed', finished_at = now(), last_error = \(reason)
            WHERE id = \(id) AND step NOT IN ('done', 'failed') RETURNING account_id
            """
        ).first.map { try $0.decode(UUID.self) }
    }
}
