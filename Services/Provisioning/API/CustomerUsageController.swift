import Contracts
import Foundation
import HTTPSupport
import Hummingbird
import ServiceKit

/// `/api/customer/accounts/{id}/usage`: the owner's account's measured days, oldest first
/// (`?days=30`, at most 400), as the daily usage sync stored them.
struct CustomerUsageController: Sendable {
    let usage: UsageStore
    let access: CustomerAccountAccess

    struct Days: Encodable, Sendable {
        let items: [AccountUsageDay]
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.get("accounts/{id}/usage") { request, context in
            let account = try await access.owned(request, context)
            let days = try request.intQuery("days", default: 30, in: 1...400)
            let history = try await usage.history(of: account.id, days: days)
            return APIResponse.json(
                Days(
                    items: history.reversed().map {
                        AccountUsageDay(
                            day: $0.day, diskMB: $0.diskMB, diskLimitMB: $0.diskLimitMB, bandwidthMB: $0.bandwidthMB,
                            bandwidthLimitMB: $0.bandwidthLimitMB)
                    }))
        }
    }
}
