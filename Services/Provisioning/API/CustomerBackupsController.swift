import Contracts
import Foundation
import HTTPSupport
import Hummingbird
import PortalTokens
import ServiceKit

/// `/api/customer/accounts/{id}/backups` and `/restore`: the owner's own backups — listed,
/// one made now (a few a day), and one restored (only while the account is active) —
/// through the requests an operator makes.
struct CustomerBackupsController: Sendable {
    /// Backups an owner may ask for per account and day, besides the nightly one: each runs
    /// on the server beside everyone's, so a stranger with an account cannot keep it busy.
    static let backupsPerDay = 3
    static let actor = "customer"

    let store: ServiceStore
    let access: CustomerAccountAccess

    struct RestoreBody: Decodable {
        let backupID: UUID
        enum CodingKeys: String, CodingKey { case backupID = "backup_id" }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        let backups = BackupStore(database: store.database)
        let restores = RestoreStore(database: store.database)
        let requests = BackupRequests(store: store)
        api.get("accounts/{id}/backups") { request, context in
            let account = try await access.owned(request, context)
            return APIResponse.json(try await list(account.id, backups, restores))
        }
        api.post("accounts/{id}/backups") { request, context in
            let account = try await access.active(request, context)
            let id = try await requests.backUp(account.id, actor: Self.actor, perDay: Self.backupsPerDay)
            guard let made = try await backups.backup(id) else { throw APIError.notFound("backup") }
            return APIResponse.json(Self.customer(made), status: .accepted)
        }
        api.post("accounts/{id}/restore") { request, context in
            let account = try await access.active(request, context)
            let body = try await APIResponse.decode(RestoreBody.self, from: request)
            let id = try await requests.restore(account.id, to: body.backupID, actor: Self.actor)
            guard let restore = try await restores.restore(id) else { throw APIError.notFound("restore") }
            return APIResponse.json(Self.customer(restore), status: .accepted)
        }
    }

    /// The backups there are or are being made (the failed and deleted are the operators'
    /// business), the last five restores and how many backups are left to ask for today.
    private func list(_ account: UUID, _ backups: BackupStore, _ restores: RestoreStore) async throws
        -> CustomerBackups
    {
        let kept = try await backups.backups(of: account, limit: 200).filter {
            $0.status != .failed && $0.status != .deleted
        }
        let asked = try await BackupStore.askedToday(of: account, by: Self.actor, on: store.database)
        return CustomerBackups(
            backups: kept.map(Self.customer),
            restores: try await restores.restores(of: account, limit: 5).map(Self.customer),
            backupsLeftToday: max(0, Self.backupsPerDay - asked))
    }

    static func customer(_ backup: Backup) -> CustomerBackup {
        CustomerBackup(
            id: backup.id, kind: backup.kind, status: backup.status, sizeMB: backup.sizeMB,
            requestedAt: backup.requestedAt, completedAt: backup.completedAt, expiresAt: backup.expiresAt)
    }

    static func customer(_ restore: Restore) -> CustomerRestore {
        CustomerRestore(
            id: restore.id, backupID: restore.backupID, step: restore.step, requestedAt: restore.requestedAt,
            finishedAt: restore.finishedAt)
    }
}
