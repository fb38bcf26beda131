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
                    "has_days": !days.isEmpty, "charts": Self.charts(days, domain: account.domain),
                    "days": days.reversed().map { day in
                        [
                            "day": day.day, "disk": SizeText.megabytes(day.diskMB),
                            "traffic": SizeText.megabytes(day.bandwidthMB),
                        ]
                    },
                ], context: context)
        }
    }

    /// Disk space and this month's traffic, each as a line beside its limit's.
    static func charts(_ days: [AccountUsageDay], domain: String) -> [[String: Any]] {
        guard !days.isEmpty else { return [] }
        let labels = days.map(\.day)
        func chart(
            _ title: String, _ used: [Int], _ limits: [Int?], what: String
        ) -> [String: Any] {
            let latest = used.last ?? 0
            let limit = limits.last.flatMap { $0 }.flatMap { $0 > 0 ? $0 : nil }
            let share = limit.map { ", \(latest * 100 / $0)% of \(SizeText.megabytes($0))" } ?? ", no limit"
            var series: [(name: String, values: [Double?])] = [("used", used.map { Double($0) })]
            if limit != nil { series.append(("limit", limits.map { $0.flatMap { $0 > 0 ? Double($0) : nil } })) }
            return [
                "title": title,
                "svg": SVGChart.lines(
                    series, labels: labels,
                    summary:
                        "\(what) of \(domain) over \(days.count) days: \(SizeText.megabytes(latest)) on \(labels.last ?? "")\(share)",
                    format: { SizeText.megabytes(Int($0)) }),
            ]
        }
        return [
            chart("Disk space", days.map(\.diskMB), days.map(\.diskLimitMB), what: "Disk space"),
            chart(
                "Traffic this month", days.map(\.bandwidthMB), days.map(\.bandwidthLimitMB),
                what: "Traffic since the first of the month"),
        ]
    }
}
