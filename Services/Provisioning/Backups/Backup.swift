import Contracts
import ControlPanels
import Foundation
import Persistence
import PostgresNIO

// Stored in `backups.status`.
extension BackupStatus: StoredState {}

/// A backup of an account as provisioning keeps it.
struct Backup: Sendable, Encodable {
    let id: UUID
    let accountID: UUID
    let serverID: UUID
    let kind: BackupKind
    /// The timer's day of a scheduled backup, `YYYY-MM-DD`.
    let day: String?
    let status: BackupStatus
    let panelJob: String?
    let location: String?
    let sizeMB: Int?
    let requestedAt: Date
    let expiresAt: Date
    let startedAt: Date?
    let completedAt: Date?
    let deletedAt: Date?
    /// Runs started on the panel.
    let attempts: Int
    let lastError: String?
    let requestedBy: String?

    /// The archive on the panel, once there is one.
    var archive: PanelArchive? {
        location.map { PanelArchive(location: $0, sizeMB: sizeMB) }
    }

    enum CodingKeys: String, CodingKey {
        case id
        case accountID = "account_id"
        case serverID = "server_id"
        case kind, day, status
        case location
        case sizeMB = "size_mb"
        case requestedAt = "requested_at"
        case expiresAt = "expires_at"
        case startedAt = "started_at"
        case completedAt = "completed_at"
        case deletedAt = "deleted_at"
        case attempts
        case lastError = "last_error"
        case requestedBy = "requested_by"
    }

    static let columns = """
        id, account_id, server_id, kind, day::text, status, panel_job, location, size_mb, requested_at, expires_at,
        started_at, completed_at, deleted_at, attempts, last_error, requested_by
        """

    /// Reads a row of ``columns``.
    init(row: PostgresRow) throws {
        let cells = row.makeRandomAccess()
        id = try cells[0].decode(UUID.self)
        accountID = try cells[1].decode(UUID.self)
        serverID = try cells[2].decode(UUID.self)
        kind = BackupKind(rawValue: try cells[3].decode(String.self)) ?? .manual
        day = try cells[4].decode(String?.self)
        status = try cells[5].decode(BackupStatus.self)
        panelJob = try cells[6].decode(String?.self)
        location = try cells[7].decode(String?.self)
        sizeMB = try cells[8].decode(Int?.self)
        requestedAt = try cells[9].decode(Date.self)
        expiresAt = try cells[10].decode(Date.self)
        startedAt = try cells[11].decode(Date?.self)
        completedAt = try cells[12].decode(Date?.self)
        deletedAt = try cells[13].decode(Date?.self)
        attempts = try cells[14].decode(Int.self)
        lastError = try cells[15].decode(String?.self)
        requestedBy = try cells[16].decode(String?.self)
    }
}
