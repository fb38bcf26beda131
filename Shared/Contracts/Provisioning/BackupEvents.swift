import Foundation

/// Why a backup was made.
public enum BackupKind: String, Codable, Sendable, CaseIterable {
    /// On the product's schedule.
    case scheduled
    /// Asked for by an operator or the customer.
    case manual
    /// Taken just before a restore, so the restore can be undone.
    case safety
}

/// A backup of an account is complete on its panel.
public struct BackupCompleted: Event {
    public static let wireName = "backup.completed"
    public static let publisher = "provisioning"
    public var backupID: UUID
    public var accountID: UUID
    public var kind: BackupKind
    /// `nil` where the panel does not report it.
    public var sizeMB: Int?
    public var expiresAt: Date

    public init(backupID: UUID, accountID: UUID, kind: BackupKind, sizeMB: Int?, expiresAt: Date) {
        self.backupID = backupID
        self.accountID = accountID
        self.kind = kind
        self.sizeMB = sizeMB
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case backupID = "backup_id"
        case accountID = "account_id"
        case kind
        case sizeMB = "size_mb"
        case expiresAt = "expires_at"
    }
}

/// A backup could not be made after all its attempts.
public struct BackupFailed: Event {
    public static let wireName = "backup.failed"
    public static let publisher = "provisioning"
    public var backupID: UUID
    public var accountID: UUID
    public var kind: BackupKind
    public var reason: String

    public init(backupID: UUID, accountID: UUID, kind: BackupKind, reason: String) {
        self.backupID = backupID
        self.accountID = accountID
        self.kind = kind
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case backupID = "backup_id"
        case accountID = "account_id"
        case kind, reason
    }
}

/// An account was returned to a backup's state.
public struct AccountRestored: Event {
    public static let wireName = "account.restored"
    public static let publisher = "provisioning"
    public var accountID: UUID
    public var backupID: UUID
    /// The backup taken just before, which undoes the restore.
    public var safetyBackupID: UUID
    /// When the backup restored was made (optional: version-1 publishers leave it out).
    public var backupMadeAt: Date?
    public var actor: String?

    public init(accountID: UUID, backupID: UUID, safetyBackupID: UUID, backupMadeAt: Date?, actor: String?) {
        self.accountID = accountID
        self.backupID = backupID
        self.safetyBackupID = safetyBackupID
        self.backupMadeAt = backupMadeAt
        self.actor = actor
    }

    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case backupID = "backup_id"
        case safetyBackupID = "safety_backup_id"
        case backupMadeAt = "backup_made_at"
        case actor
    }
}
