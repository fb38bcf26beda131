import Foundation
import HTTPSupport
import Hummingbird
import ServiceKit

/// `/api/usage`: who is near or over a limit, fullest first (`?over=80`, the default), and
/// `/api/accounts/{id}/usage`: one account's days (`?days=30`, at most 400).
struct UsageController: Sendable {
    let usage: UsageStore
    let accounts: AccountStore

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.get("usage") { request, _ in
            let over = try request.intQuery("over", default: 80, in: 0...1_000)
            let paging = try Paging(request)
            return APIResponse.json(
                ["items": try await usage.over(over, limit: paging.perPage, offset: paging.offset)])
        }
        api.get("accounts/{id}/usage") { request, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard try await accounts.account(id) != nil else { throw APIError.notFound("account") }
            let days = try request.intQuery("days", default: 30, in: 1...400)
            return APIResponse.json(["items": try await usage.history(of: id, days: days)])
        }
    }

}
