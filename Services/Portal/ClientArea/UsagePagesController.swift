import Contracts
import Foundation
import Hummingbird

/// A hosting account's disk space and traffic over the last 30 days, from the services page:
/// two charts against the plan's limits and the days as a table.
struct UsagePagesController: Sendable {
    let pages: PageRenderer
    let services: ServiceAPIs
    let link: CustomerLink

    static let days = 30

    func addRoutes(to router: RouterGroup<PortalRequestContext>) {
        router.get("services/{id}/usage") { _, context in
            let session = try await link.session(context)
            guard let id = context.parameters.get("id", as: UUID.self),
                let account = try await services.accounts(session).first(where: { $0.id == id }),
                let days = try await services.usage(of: id, days: Self.days, session)
            else { throw PortalError.notFound }
            return pages.render(
                "usage",
                [
                    "title": "Usage of \(account.domain)", "domain": account.domain,
                    "has_days": !days.isEmpty, "charts": UsageCharts.draw(days, domain: account.domain),
                    "days": days.reversed().map { day in
                        [
                            "day": day.day, "disk": SizeText.megabytes(day.diskMB),
                            "traffic": SizeText.megabytes(day.bandwidthMB),
                        ]
                    },
                ], context: context)
        }
    }
}
