import Foundation
import Money

/// The dashboard's charts of the last 30 days: orders paid, money received (before refunds, which
/// may fall on later days), how long an order
/// takes to become an active account (p50 and p95), and failures.
struct DashboardCharts: Sendable {
    let apis: StaffAPIs

    func draw(as staff: StaffSession) async -> [String: Any] {
        async let orders = try? apis.get(.checkout, "/api/admin/stats/daily?days=30", as: staff) as? [[String: Any]]
        async let money = try? apis.get(.billing, "/api/billing/stats/daily?days=30", as: staff) as? [[String: Any]]
        async let provisioning =
            try? apis.get(.provisioning, "/api/provisioning/stats/daily?days=30", as: staff) as? [[String: Any]]
        var charts: [[String: Any]] = []
        if let orders = await orders {
            let (days, paid) = Self.daily(orders) { $0.reduce(0) { $0 + ($1["paid"] as? Int ?? 0) } }
            charts.append([
                "title": "Orders paid per day",
                "svg": SVGChart.bars(
                    paid, labels: days,
                    summary:
                        "Orders paid per day over 30 days: \(Int(paid.reduce(0, +))) in all, \(Int(paid.last ?? 0)) today",
                    format: { "\(Int($0))" }),
            ])
        }
        if let money = await money {
            let currency = Self.mainCurrency(money)
            let (days, received) = Self.daily(money) { rows in
                rows.filter { $0["currency"] as? String == currency }.reduce(0) { $0 + ($1["received"] as? Int ?? 0) }
            }
            charts.append([
                "title": "Money received per day (\(currency))",
                "svg": SVGChart.bars(
                    received, labels: days,
                    summary:
                        "Money received per day in \(currency) over 30 days: \(MoneyText.format(Int(received.reduce(0, +)), currency)) in all",
                    format: { MoneyText.format(Int($0), currency) }),
            ])
        }
        if let provisioning = await provisioning {
            let days = provisioning.map { $0["day"] as? String ?? "" }
            let p50 = provisioning.map { $0["p50_seconds"] as? Double }
            let p95 = provisioning.map { $0["p95_seconds"] as? Double }
            let failed = provisioning.map { Double($0["failed"] as? Int ?? 0) }
            charts.append([
                "title": "From payment to active account (seconds)",
                "svg": SVGChart.lines(
                    [("p50", p50), ("p95", p95)], labels: days,
                    summary:
                        "Order to active account per day, median and 95th percentile; today p50 \(Self.seconds(p50.last ?? nil)), p95 \(Self.seconds(p95.last ?? nil))",
                    format: { Self.seconds($0) }),
            ])
            charts.append([
                "title": "Tasks failed for good per day",
                "svg": SVGChart.bars(
                    failed, labels: days,
                    summary: "Tasks that failed for good per day over 30 days: \(Int(failed.reduce(0, +))) in all",
                    format: { "\(Int($0))" }),
            ])
        }
        return ["charts": charts, "has_charts": !charts.isEmpty]
    }

    /// The days in order, and one value per day from that day's rows (several per day when by currency).
    private static func daily(_ rows: [[String: Any]], _ value: ([[String: Any]]) -> Int) -> ([String], [Double]) {
        let byDay = Dictionary(grouping: rows) { $0["day"] as? String ?? "" }
        let days = byDay.keys.sorted()
        return (days, days.map { Double(value(byDay[$0] ?? [])) })
    }

    /// The currency most money came in.
    private static func mainCurrency(_ rows: [[String: Any]]) -> String {
        let totals = Dictionary(grouping: rows.filter { $0["currency"] is String }) { $0["currency"] as! String }
            .mapValues { $0.reduce(0) { $0 + ($1["received"] as? Int ?? 0) } }
        return totals.max { $0.value < $1.value }?.key ?? "USD"
    }

    private static func seconds(_ value: Double?) -> String {
        guard let value else { return "—" }
        return value < 10 ? String(format: "%.1f s", value) : "\(Int(value.rounded())) s"
    }
}
