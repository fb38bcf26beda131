import Foundation
import HTTPSupport
import Hummingbird
import PortalTokens
import ServiceKit

/// `/api/accounts/{id}/…`: an operator's controls over one account — suspend (with a
/// reason), unsuspend, terminate, change package (a no-charge override) and reset password —
/// each queued as the same retried task a bus command queues, with the `actor` who asked
/// stored beside it and repeated in the event that reports it. `GET …/actions` lists them.
struct AccountActionsController: Sendable {
    let store: ServiceStore
    let accounts: AccountStore

    struct Body: Decodable {
        let actor: String?
        let reason: String?
        let plan: String?
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.get("accounts/{id}/actions") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard try await accounts.account(id) != nil else { throw APIError.notFound("account") }
            return APIResponse.json(["items": try await AccountActions.list(account: id, on: accounts.database)])
        }
        for action in AccountAction.allCases {
            api.post("accounts/{id}/\(action.rawValue)") { request, context in
                let id = try context.parameters.require("id", as: UUID.self)
                let body = try await APIResponse.decode(Body.self, from: request)
                let actor = try context.staff?.actor ?? Self.text(body.actor, field: "actor", max: 100)
                guard let account = try await accounts.account(id) else { throw APIError.notFound("account") }
                try Self.check(action, account)
                let actionID = UUID()
                let task: any AccountActionTask =
                    switch action {
                    case .suspend:
                        SuspendAccountTask(
                            accountID: id, reason: try Self.text(body.reason, field: "reason", max: 200),
                            actionID: actionID, actor: actor)
                    case .unsuspend:
                        UnsuspendAccountTask(accountID: id, onlyIfSuspendedFor: nil, actionID: actionID, actor: actor)
                    case .terminate: TerminateAccountTask(accountID: id, actionID: actionID, actor: actor)
                    case .changePackage:
                        ChangePackageTask(
                            accountID: id, plan: try Self.plan(body.plan), actionID: actionID, actor: actor)
                    case .resetPassword: ChangePasswordTask(accountID: id, actionID: actionID, actor: actor)
                    }
                try await store.transaction { transaction in
                    try await AccountActions.request(task, dedupeKey: nil, in: transaction)
                }
                return APIResponse.json(
                    AccountActionRecord(
                        id: actionID, accountID: id, action: action, detail: task.detail, actor: actor,
                        status: .pending, requestedAt: Date(), finishedAt: nil),
                    status: .accepted)
            }
        }
    }

    /// 409 for a change the account's state cannot take (a provisioning account's waits).
    private static func check(_ action: AccountAction, _ account: Account) throws {
        switch (action, account.status) {
        case (.unsuspend, .suspended), (.unsuspend, .provisioning): return
        case (.unsuspend, _):
            throw APIError.conflict("account_not_suspended", "the account is \(account.status.rawValue)")
        case (_, .terminated), (_, .failed):
            throw APIError.conflict(
                "account_ended", "the account is \(account.status.rawValue): nothing on a panel to change")
        default: return
        }
    }

    /// Required text of 1 to `max` characters, without control characters.
    static func text(_ value: String?, field: String, max: Int) throws -> String {
        let text = value?.trimmingCharacters(in: .whitespaces) ?? ""
        guard (1...max).contains(text.count),
            !text.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) })
        else {
            throw APIError.invalid(field, "\(field) is 1 to \(max) characters")
        }
        return text
    }

    /// A panel plan name: letters, digits, space, `_`, `-`, `.`, as the panels accept.
    private static func plan(_ value: String?) throws -> String {
        let plan = try text(value, field: "plan", max: 64)
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: " _-."))
        guard plan.unicodeScalars.allSatisfy({ allowed.contains($0) && $0.isASCII }) else {
            throw APIError.invalid("plan", "plan is the panel's package name: letters, digits, space, _ - .")
        }
        return plan
    }
}
