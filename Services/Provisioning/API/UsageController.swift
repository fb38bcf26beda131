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
            let over = try Self.number(request, "over", default: 80, in: 0...1_000)
            let paging = try Paging(request)
            return APIResponse.json(
                ["items": try await usage.over(over, limit: paging.perPage, offset: paging.offset)])
        }
        api.get("accounts/{id}/usage") { request, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard try await accounts.account(id) != nil else { throw APIError.notFound("account") }
            let days = try Self.number(request, "days", default: 30, in: 1...400)
            return APIResponse.json(["items": try await usage.history(of: id, days: days)])
        }
    }

    /// The query parameter `name` as a whole number in `range`; 422 naming it otherwise.
    static func number(_ request: Request, _ name: String, default fallback: Int, in range: ClosedRange<Int>) throws
        -> Int
    {
        guard let text = request.uri.queryParameters.get(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.invalid(name, "\(name) is a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
