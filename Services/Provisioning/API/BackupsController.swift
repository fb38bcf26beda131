import Contracts
import Foundation
import HTTPSupport
import Hummingbird
import PortalTokens
import ServiceKit

/// `/api/accounts/{id}/backups`: an account's backups and restores (`GET`), a backup now
/// (`POST`), and `/api/accounts/{id}/restore` of one of its backups (`{"backup_id": …}`):
/// each queued as the retried task the schedule queues, answered 202.
struct BackupsController: Sendable {
    let store: ServiceStore
    let accounts: AccountStore

    struct Body: Decodable {
        let actor: String?
        let backupID: UUID?
        enum CodingKeys: String, CodingKey {
            case actor
            case backupID = "backup_id"
        }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        let backups = BackupStore(database: store.database)
        let restores = RestoreStore(database: store.database)
        api.get("accounts/{id}/backups") { request, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard try await accounts.account(id) != nil else { throw APIError.notFound("account") }
            let limit = try request.intQuery("limit", default: 60, in: 1...500)
            return APIResponse.json(
                BackupList(
                    items: try await backups.backups(of: id, limit: limit),
                    restores: try await restores.restores(of: id, limit: 20)))
        }
        let requests = BackupRequests(store: store)
        api.post("accounts/{id}/backups") { request, context in
            let (id, _, actor) = try await Self.request(request, context)
            try await Self.live(id, accounts)
            return APIResponse.json(
                try await backups.backup(try await requests.backUp(id, actor: actor)), status: .accepted)
        }
        api.post("accounts/{id}/restore") { request, context in
            let (id, body, actor) = try await Self.request(request, context)
            guard let backupID = body.backupID else { throw APIError.invalid("backup_id", "backup_id is required") }
            try await Self.live(id, accounts)
            return APIResponse.json(
                try await restores.restore(try await requests.restore(id, to: backupID, actor: actor)),
                status: .accepted)
        }
    }

    struct BackupList: Encodable, Sendable {
        let items: [Backup]
        let restores: [Restore]
    }

    private static func request(_ request: Request, _ context: ServiceRequestContext) async throws
        -> (UUID, Body, String)
    {
        let id = try context.parameters.require("id", as: UUID.self)
        let body = try await APIResponse.decode(Body.self, from: request)
        let actor = try context.staff?.actor ?? AccountActionsController.text(body.actor, field: "actor", max: 100)
        return (id, body, actor)
    }

    /// 404 for no such account, 409 for one with nothing on a panel.
    private static func live(_ id: UUID, _ accounts: AccountStore) async throws {
        guard let account = try await accounts.account(id) else { throw APIError.notFound("account") }
        guard account.status == .active || account.status == .suspended else {
            throw APIError.conflict("account_not_live", "the account is \(account.status.rawValue)")
        }
    }
}
