import Contracts
import Foundation
import HTTPSupport
import HTTPTypes
import ServiceKit

/// Backups and restores asked for over HTTP, by an operator or by the account's owner: each
/// stored and queued in one transaction as the retried task the schedule queues. A backup
/// locks the account's row first, so two asked for at once cannot both pass its checks; a
/// restore needs no lock, since the index of open restores admits one per account.
struct BackupRequests: Sendable {
    let store: ServiceStore

    /// A backup of `account` now; its id. 409 while another asked-for backup is being made;
    /// 429 once `actor` asked for `perDay` in the last day.
    func backUp(_ account: UUID, actor: String, perDay: Int? = nil) async throws -> UUID {
        let backup = UUID()
        try await store.transaction { transaction in
            try await AccountStore.lock(account, in: transaction)
            guard try await !BackupStore.manualInProgress(of: account, in: transaction) else {
                throw APIError.conflict("backup_in_progress", "a backup of this account is already being made")
            }
            if let perDay, try await BackupStore.askedToday(of: account, by: actor, on: transaction) >= perDay {
                throw APIError(
                    .tooManyRequests, code: "backup_limit",
                    "\(perDay) backups a day can be asked for; the nightly one is made all the same")
            }
            guard
                try await BackupStore.insert(
                    id: backup, account: account, kind: .manual, requestedBy: actor, in: transaction) != nil
            else { throw APIError.conflict("account_not_placed", "the account is not on a server yet") }
            try await transaction.enqueue(
                BackupAccountTask(backupID: backup), dedupeKey: "backup-\(backup.uuidString.lowercased())")
        }
        return backup
    }

    /// A restore of `account` to its completed backup `backupID`; its id. 409 while a restore
    /// is under way or for a backup that is not the account's, or not completed.
    func restore(_ account: UUID, to backupID: UUID, actor: String) async throws -> UUID {
        let restore = UUID()
        try await store.transaction { transaction in
            guard
                try await RestoreStore.insert(
                    id: restore, account: account, backup: backupID, requestedBy: actor, in: transaction) != nil
            else {
                throw APIError.conflict(
                    "restore_refused", "the backup is not a completed backup of this account, or a restore is under way"
                )
            }
            try await transaction.enqueue(
                RestoreAccountTask(restoreID: restore), dedupeKey: "restore-\(restore.uuidString.lowercased())")
        }
        return restore
    }
}
