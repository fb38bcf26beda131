import Foundation

/// An account's last measured day as provisioning's customer API gives it (`usage`), for
/// the portal's services page: disk and this month's traffic in MB; a `nil` limit is unlimited.
public struct AccountUsageDay: Codable, Sendable {
    public let day: String
    public let diskMB: Int
    public let diskLimitMB: Int?
    public let bandwidthMB: Int
    public let bandwidthLimitMB: Int?

    public init(day: String, diskMB: Int, diskLimitMB: Int?, bandwidthMB: Int, bandwidthLimitMB: Int?) {
        self.day = day
        self.diskMB = diskMB
        self.diskLimitMB = diskLimitMB
        self.bandwidthMB = bandwidthMB
        self.bandwidthLimitMB = bandwidthLimitMB
    }

    enum CodingKeys: String, CodingKey {
        case day
        case diskMB = "disk_mb"
        case diskLimitMB = "disk_limit_mb"
        case bandwidthMB = "bandwidth_mb"
        case bandwidthLimitMB = "bandwidth_limit_mb"
    }
}

/// The backups kept of an account as provisioning's customer API gives them (`backups`).
public struct AccountBackupSummary: Codable, Sendable {
    public let kept: Int
    /// When the newest was made; `nil` before the first.
    public let latestAt: Date?

    public init(kept: Int, latestAt: Date?) {
        self.kept = kept
        self.latestAt = latestAt
    }

    enum CodingKeys: String, CodingKey {
        case kept
        case latestAt = "latest_at"
    }
}

/// One of an account's backups as its owner sees it.
public struct CustomerBackup: Codable, Sendable {
    public let id: UUID
    public let kind: BackupKind
    public let status: BackupStatus
    /// `nil` until made, or where the panel does not report it.
    public let sizeMB: Int?
    public let requestedAt: Date
    public let completedAt: Date?
    public let expiresAt: Date

    public init(
        id: UUID, kind: BackupKind, status: BackupStatus, sizeMB: Int?, requestedAt: Date, completedAt: Date?,
        expiresAt: Date
    ) {
        self.id = id
        self.kind = kind
        self.status = status
        self.sizeMB = sizeMB
        self.requestedAt = requestedAt
        self.completedAt = completedAt
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, status
        case sizeMB = "size_mb"
        case requestedAt = "requested_at"
        case completedAt = "completed_at"
        case expiresAt = "expires_at"
    }
}

/// A restore of an account as its owner sees it.
public struct CustomerRestore: Codable, Sendable {
    public let id: UUID
    public let backupID: UUID
    public let step: RestoreStep
    public let requestedAt: Date
    public let finishedAt: Date?

    public init(id: UUID, backupID: UUID, step: RestoreStep, requestedAt: Date, finishedAt: Date?) {
        self.id = id
        self.backupID = backupID
        self.step = step
        self.requestedAt = requestedAt
        self.finishedAt = finishedAt
    }

    enum CodingKeys: String, CodingKey {
        case id
        case backupID = "backup_id"
        case step
        case requestedAt = "requested_at"
        case finishedAt = "finished_at"
    }
}

/// An account's backups and latest restores for its owner
/// (`GET /api/customer/accounts/{id}/backups`): the backups there are or are being made, newest first.
public struct CustomerBackups: Codable, Sendable {
    public let backups: [CustomerBackup]
    public let restores: [CustomerRestore]
    /// How many more backups the owner may ask for today.
    public let backupsLeftToday: Int

    public init(backups: [CustomerBackup], restores: [CustomerRestore], backupsLeftToday: Int) {
        self.backups = backups
        self.restores = restores
        self.backupsLeftToday = backupsLeftToday
    }

    enum CodingKeys: String, CodingKey {
        case backups, restores
        case backupsLeftToday = "backups_left_today"
    }
}
