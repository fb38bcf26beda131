import Contracts
import Foundation

/// An account's measured days as the customer's usage page and the console's account page draw them.
enum UsageCharts {
    /// Disk space and this month's traffic, each as a line beside its limit's.
    static func draw(_ days: [AccountUsageDay], domain: String) -> [[String: Any]] {
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
