import Contracts
import ControlPanels
import Foundation
import ServiceKit
import Tasks

/// Make one backup on the account's panel.
struct BackupAccountTask: TaskPayload {
    static let taskType = "backup-account"
    static let maxAttempts = 5
    let backupID: UUID
    enum CodingKeys: String, CodingKey { case backupID = "backup_id" }
}

/// Delete one expired backup on its panel.
struct DeleteBackupTask: TaskPayload {
    static let taskType = "delete-backup"
    static let maxAttempts = 12
    let backupID: UUID
    enum CodingKeys: String, CodingKey { case backupID = "backup_id" }
}

/// Backups: the `account-backups` slot queues each account due on its product's schedule,
/// each backup is a task that runs on the panel (at most `backupsPerServer` at once per
/// server), and the `backup-cleanup` slot deletes those past their retention, each once.
struct BackupTasks: Sendable {
    let panels: PanelDirectory
    let settings: ProvisioningSettings

    func register(in definition: inout ServiceDefinition) {
        definition.handlers.on(TimerFired.self) { event, transaction in
            switch event.schedule {
            case "account-backups":
                let ids = try await BackupStore.scheduleDue(
                    day: UsageSync.day(of: event.slot), slot: event.slot, in: transaction)
                _ = try await transaction.enqueue(
                    contentsOf: ids.map { (BackupAccountTask(backupID: $0), "backup-\($0.uuidString.lowercased())") })
            case "backup-cleanup":
                let ids = try await BackupStore.expired(at: event.slot, in: transaction)
                _ = try await transaction.enqueue(
                    contentsOf: ids.map {
                        (DeleteBackupTask(backupID: $0), "delete-backup-\($0.uuidString.lowercased())")
                    }
                )
            default:
                return
            }
        }
        definition.tasks.register(BackupAccountTask.self) { payload, completion in
            guard let backup = try await BackupStore(database: completion.database).backup(payload.backupID),
                backup.status == .queued || backup.status == .running
            else {
                try await completion.finish { _ in }
                return
            }
            let archive = try await run(completion).archive(of: backup)
            try await completion.finish { transaction in
                if let done = try await BackupStore.complete(backup.id, archive: archive, in: transaction) {
                    try await transaction.publish(Self.completed(done))
                }
            }
        } onFinalFailure: { payload, failure, transaction in
            if let failed = try await BackupStore.fail(payload.backupID, reason: failure.message, in: transaction) {
                try await transaction.publish(
                    BackupFailed(
                        backupID: failed.id, accountID: failed.accountID, kind: failed.kind, reason: failure.message))
            }
        }
        definition.tasks.register(DeleteBackupTask.self) { payload, completion in
            guard let backup = try await BackupStore(database: completion.database).backup(payload.backupID),
                backup.status == .completed, let archive = backup.archive
            else {
                try await completion.finish { _ in }
                return
            }
            let (target, panel) = try await run(completion).target(of: backup)
            try await withPanelRetries { try await panel.deleteBackup(archive, of: target) }
            try await completion.finish { transaction in
                try await BackupStore.markDeleted(backup.id, in: transaction)
            }
        }
        RestoreAccount(panels: panels, settings: settings).register(in: &definition)
    }

    private func run(_ completion: TaskCompletion) -> BackupRun {
        BackupRun(panels: panels, settings: settings, database: completion.database, logger: completion.logger)
    }

    static func completed(_ backup: Backup) -> BackupCompleted {
        BackupCompleted(
            backupID: backup.id, accountID: backup.accountID, kind: backup.kind, sizeMB: backup.sizeMB,
            expiresAt: backup.expiresAt)
    }
}
