import Foundation
import Hummingbird

/// The console's home: what needs attention now, gathered from every service as the signed-in
/// staff member (so a service down shows as such, not as zero), refreshed in place.
struct DashboardController: Sendable {
    let pages: PageRenderer
    let apis: StaffAPIs

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("") { _, context in
            guard let staff = context.staff else { throw PortalError.notFound }
            async let figures = values(context)
            async let charts = DashboardCharts(apis: apis).draw(as: staff)
            return pages.render("console-dashboard", try await figures.merging(await charts) { $1 }, context: context)
        }
        // The figures alone, for the page's script to swap in every few seconds.
        router.get("dashboard/figures") { _, context in
            pages.render("console-figures", try await values(context), context: context)
        }
    }

    private func values(_ context: ConsoleRequestContext) async throws -> [String: Any] {
        guard let staff = context.staff else { throw PortalError.notFound }
        async let stats = try? apis.get(.provisioning, "/api/provisioning/stats", as: staff) as? [String: Any]
        async let schedules = try? apis.get(.timer, "/api/timer/schedules", as: staff) as? [[String: Any]]
        async let awaitingPayment = total(.checkout, "/api/admin/orders?status=pending_payment&per_page=100", staff)
        async let openInvoices = total(.billing, "/api/billing/invoices?status=open&per_page=100", staff)
        async let billingToday = try? apis.get(.billing, "/api/billing/stats/today", as: staff) as? [String: Any]
        async let expiring = total(.dnsssl, "/api/dnsssl/certificates?expiring_within_days=21&per_page=100", staff)
        var services: [[String: Any]] = []
        for service in StaffAPIs.Service.allCases {
            let runsTasks = TasksConsoleController.services.contains(service)
            let tasks =
                runsTasks
                ? await total(service, "/api/\(service.rawValue)/tasks?status=failed&per_page=1", staff) : nil
            let letters = await total(service, "/api/\(service.rawValue)/dead-letters?replayed=false&per_page=1", staff)
            services.append([
                "name": service.rawValue, "failed_tasks": runsTasks ? Self.figure(tasks) : "runs none",
                "dead_letters": Self.figure(letters),
                "attention": (tasks ?? 0) + (letters ?? 0) > 0, "unreachable": letters == nil,
            ])
        }
        let accounts = (await stats)?["accounts"] as? [String: Int] ?? [:]
        let servers = ((await stats)?["servers"] as? [[String: Any]] ?? []).map { server -> [String: Any] in
            let (count, capacity) = (server["accounts"] as? Int ?? 0, max(server["max_accounts"] as? Int ?? 1, 1))
            return [
                "name": server["name"] ?? "", "status": server["status"] ?? "", "accounts": count, "capacity": capacity,
                "percent": min(100, count * 100 / capacity), "full": count >= capacity,
                "health": Self.health(server["last_health"] as? [String: Any]),
                "unhealthy": (server["last_health"] as? [String: Any])?["healthy"] as? Bool == false,
            ]
        }
        let timers = (await schedules ?? []).map { schedule -> [String: Any] in
            [
                "name": schedule["name"] ?? "", "last": ConsoleText.time(schedule["last_slot"]),
                "next": ConsoleText.time(schedule["next_slot"]),
                "late": schedule["late"] as? Bool ?? false, "enabled": schedule["enabled"] as? Bool ?? false,
            ]
        }
        let provisioningTasks = (await stats)?["tasks"] as? [String: [String: Int]] ?? [:]
        let inProgress = provisioningTasks.values.reduce(0) { $0 + ($1["pending"] ?? 0) + ($1["running"] ?? 0) }
        return [
            "title": "Dashboard", "refresh": true,
            "accounts": [
                "provisioning": accounts["provisioning"] ?? 0, "active": accounts["active"] ?? 0,
                "suspended": accounts["suspended"] ?? 0, "failed": accounts["failed"] ?? 0,
                "terminated": accounts["terminated"] ?? 0,
            ],
            "provisioning_reachable": await stats != nil, "in_progress": inProgress,
            "awaiting_payment": Self.figure(await awaitingPayment), "open_invoices": Self.figure(await openInvoices),
            "services": services, "servers": servers, "timers": timers, "timers_reachable": await schedules != nil,
            "late_timers": timers.contains { $0["late"] as? Bool == true },
            "billing_reachable": await billingToday != nil, "today": await billingToday ?? [:],
            "attention_declines": ((await billingToday)?["declines"] as? Int ?? 0) > 0,
            "expiring_certificates": Self.figure(await expiring), "attention_certificates": (await expiring ?? 0) > 0,
        ]
    }

    /// The `total` of a paged list, or the length of a plain one (at most its page), or `nil`
    /// when the service did not answer.
    private func total(_ service: StaffAPIs.Service, _ path: String, _ staff: StaffSession) async -> Int? {
        switch try? await apis.get(service, path, as: staff) {
        case let page as [String: Any]: page["total"] as? Int
        case let list as [Any]: list.count
        default: nil
        }
    }

    /// A server's last health check as the dashboard says it.
    static func health(_ check: [String: Any]?) -> String {
        guard let check else { return "never checked" }
        let when = ConsoleText.time(check["at"])
        return check["healthy"] as? Bool == true ? "answered \(when)" : "failed \(when)"
    }

    /// A count as shown: a dash when unknown, "100+" when a plain list filled its page.
    private static func figure(_ value: Int?) -> String {
        guard let value else { return "—" }
        return value >= 100 ? "100+" : String(value)
    }
}
