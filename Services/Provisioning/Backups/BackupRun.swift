import ControlPanels
import Foundation
import Logging
import Persistence
import Tasks

/// A backup failed on the panel: the attempt is used and the next one starts a new run.
struct PanelRunFailed: Error, CustomStringConvertible {
    let description: String
}

/// Drives one backup on its account's panel: takes a slot on the server, starts the run
/// once (its handle is stored before it is looked at), and looks until the run ends.
struct BackupRun: Sendable {
    let panels: PanelDirectory
    let settings: ProvisioningSettings
    let database: Database
    let logger: Logger

    /// The account's panel and how it names the backup.
    func target(of backup: Backup) async throws -> (PanelBackupTarget, any ControlPanel) {
        let accounts = AccountStore(database: database, logger: logger)
        guard let account = try await accounts.account(backup.accountID), let username = account.username else {
            throw PermanentTaskFailure("backup \(backup.id): its account has no panel user")
        }
        let servers = ServerStore(database: database, cipher: settings.cipher, logger: logger)
        guard let server = try await servers.server(backup.serverID) else {
            throw PermanentTaskFailure("backup \(backup.id): its server is gone")
        }
        let target = PanelBackupTarget(
            username: username, domain: account.domain, label: "hostwire-\(backup.id.uuidString.lowercased())")
        return (target, try panels.panel(for: server))
    }

    /// The backup's archive once the panel has made it. Throws ``TaskDeferral`` while the
    /// run goes on or waits for a slot, and ``PanelRunFailed`` when the run failed or ran
    /// past the deadline (the slot is given back first).
    func archive(of backup: Backup) async throws -> PanelArchive {
        let store = BackupStore(database: database)
        let (target, panel) = try await target(of: backup)
        var job = backup.panelJob
        var startedAt = backup.startedAt ?? Date()
        if job == nil {
            guard try await store.claim(backup.id, server: backup.serverID, limit: settings.backupsPerServer) else {
                throw TaskDeferral(
                    "\(settings.backupsPerServer) backups already running on the server", delay: settings.backupPoll)
            }
            do {
                let started = try await withPanelRetries { try await panel.startBackup(target) }
                try await store.started(backup.id, job: started)
                (job, startedAt) = (started, Date())
            } catch {
                try await store.runFailed(backup.id, reason: "\(error)")
                throw error
            }
        }
        guard let job else { throw PanelRunFailed(description: "no panel job") }
        switch try await withPanelRetries({ try await panel.backupState(job, of: target) }) {
        case .completed(let archive?):
            return archive
        case .completed(nil):
            try await store.runFailed(backup.id, reason: "the panel reported no archive")
            throw PanelRunFailed(description: "backup \(backup.id): the panel reported no archive")
        case .failed(let reason):
            try await store.runFailed(backup.id, reason: reason)
            throw PanelRunFailed(description: "backup \(backup.id) failed on the panel: \(reason)")
        case .running:
            guard Duration.seconds(Date().timeIntervalSince(startedAt)) < settings.backupDeadline else {
                try await store.runFailed(backup.id, reason: "no result by the deadline")
                throw PanelRunFailed(description: "backup \(backup.id): no result by the deadline")
            }
            throw TaskDeferral("backup running on the panel", delay: settings.backupPoll)
        }
    }
}
