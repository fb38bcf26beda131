import Contracts
import ControlPanels
import Foundation
import ServiceKit
import Tasks

/// Return an account to one of its backups.
struct RestoreAccountTask: TaskPayload {
    static let taskType = "restore-account"
    static let maxAttempts = 5
    let restoreID: UUID
    enum CodingKeys: String, CodingKey { case restoreID = "restore_id" }
}

/// A restore, step by step, each step recorded before the next so a task claimed again
/// goes on where it was: a safety backup of the account as it is, then the account
/// suspended with reason `restore` (unless suspended already, for whatever reason), the
/// archive restored, and the account unsuspended only if it is still suspended for the
/// restore: one suspended for non-payment stays suspended. The restore's own suspension is
/// not announced (the customer is not mailed twice for a few seconds' pause).
struct RestoreAccount: Sendable {
    static let reason = "restore"

    let panels: PanelDirectory
    let settings: ProvisioningSettings

    func register(in definition: inout ServiceDefinition) {
        definition.tasks.register(RestoreAccountTask.self) { payload, completion in
            try await run(payload.restoreID, completion)
        } onFinalFailure: { payload, failure, transaction in
            guard let account = try await RestoreStore.fail(payload.restoreID, reason: failure.message, in: transaction)
            else { return }
            // The site was up before the restore: it is not left down by one that failed.
            try await transaction.enqueue(
                UnsuspendAccountTask(accountID: account, onlyIfSuspendedFor: Self.reason, actor: "provisioning"),
                dedupeKey: "restore-unsuspend-\(payload.restoreID.uuidString.lowercased())")
        }
    }

    private func run(_ id: UUID, _ completion: TaskCompletion) async throws {
        let restores = RestoreStore(database: completion.database)
        let backups = BackupStore(database: completion.database)
        let accounts = AccountStore(database: completion.database, logger: completion.logger)
        guard let restore = try await restores.restore(id), restore.step.isOpen else {
            try await completion.finish { _ in }
            return
        }
        guard let backup = try await backups.backup(restore.backupID), let archive = backup.archive,
            backup.status == .completed
        else { throw PermanentTaskFailure("backup \(restore.backupID) is not there to restore") }
        let run = BackupRun(
            panels: panels, settings: settings, database: completion.database, logger: completion.logger)
        var step = restore.step
        if step == .safetyBackup {
            try await safetyBackup(restore, run, backups, completion)
            step = .suspend
        }
        let (target, panel) = try await run.target(of: backup)
        if step == .suspend {
            let active = try await accounts.account(restore.accountID)?.status == .active
            if active, try await panel.account(named: target.username)?.suspended != true {
                try await withPanelRetries { try await panel.suspend(target.username, reason: Self.reason) }
            }
            _ = try await completion.step { transaction in
                if active {
                    try await AccountStore.setStatus(
                        .suspended, reason: Self.reason, of: restore.accountID, in: transaction)
                }
                try await RestoreStore.advance(id, to: .restore, on: transaction)
            }
            step = .restore
        }
        if step == .restore {
            try await restoreArchive(restore, archive, target, panel, restores)
        }
        let account = try await accounts.account(restore.accountID)
        let ours = account?.status == .suspended && account?.suspendReason == Self.reason
        if ours, try await panel.account(named: target.username)?.suspended != false {
            try await withPanelRetries { try await panel.unsuspend(target.username) }
        }
        let safety = try await restores.restore(id)?.safetyBackupID ?? restore.backupID
        try await completion.finish { transaction in
            if ours { try await AccountStore.setStatus(.active, reason: nil, of: restore.accountID, in: transaction) }
            try await RestoreStore.finish(id, in: transaction)
            try await transaction.publish(
                AccountRestored(
                    accountID: restore.accountID, backupID: restore.backupID, safetyBackupID: safety,
                    backupMadeAt: backup.completedAt, actor: restore.requestedBy))
        }
    }

    /// Makes (once) and completes the safety backup, then moves the restore on.
    private func safetyBackup(
        _ restore: Restore, _ run: BackupRun, _ backups: BackupStore, _ completion: TaskCompletion
    )
        async throws
    {
        var safetyID = restore.safetyBackupID
        if safetyID == nil {
            let new = UUID()
            safetyID = try await completion.step { transaction in
                guard
                    let made = try await BackupStore.insert(
                        id: new, account: restore.accountID, kind: .safety, requestedBy: restore.requestedBy,
                        in: transaction)
                else { throw PermanentTaskFailure("account \(restore.accountID) is not on a server") }
                try await RestoreStore.setSafetyBackup(made, of: restore.id, in: transaction)
                return made
            }
        }
        guard let safetyID, let safety = try await backups.backup(safetyID) else {
            throw PermanentTaskFailure("the safety backup of restore \(restore.id) is gone")
        }
        if safety.status != .completed {
            let archive = try await run.archive(of: safety)
            _ = try await completion.step { transaction in
                if let done = try await BackupStore.complete(safety.id, archive: archive, in: transaction) {
                    try await transaction.publish(BackupTasks.completed(done))
                }
                try await RestoreStore.advance(restore.id, to: .suspend, on: transaction)
            }
        } else {
            try await RestoreStore.advance(restore.id, to: .suspend, on: completion.database)
        }
    }

    /// Starts the restore on the panel once and looks until it ends.
    private func restoreArchive(
        _ restore: Restore, _ archive: PanelArchive, _ target: PanelBackupTarget, _ panel: any ControlPanel,
        _ restores: RestoreStore
    ) async throws {
        var job = restore.panelJob
        if job == nil {
            let started = try await withPanelRetries { try await panel.startRestore(archive, of: target) }
            try await restores.setJob(started, of: restore.id)
            job = started
        }
        guard let job else { return }
        switch try await withPanelRetries({ try await panel.restoreState(job, of: target) }) {
        case .running:
            throw TaskDeferral("restore running on the panel", delay: settings.backupPoll)
        case .failed(let reason):
            try await restores.setJob(nil, of: restore.id, error: reason)
            throw PanelRunFailed(description: "restore \(restore.id) failed on the panel: \(reason)")
        case .completed:
            try await RestoreStore.advance(restore.id, to: .unsuspend, on: restores.database)
        }
    }
}
