import Foundation
import Hummingbird
import NIOHTTP1
import PortalTokens

/// The platform's moving parts: control-panel servers (drain, disable, check health now) and
/// the messages each service could not handle (dead letters), replayed once their cause is fixed.
struct OperationsConsoleController: Sendable {
    let pages: PageRenderer
    let apis: StaffAPIs
    let audit: AuditLog

    static let serverStatuses = ["active", "draining", "disabled"]

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("servers") { _, context in try await servers(context: context) }
        router.get("usage") { _, context in try await usage(context: context) }
        router.post("servers", use: addServer)
        router.post("servers/{id}/status", use: setStatus)
        router.post("servers/{id}/health") { _, context in
            guard let staff = context.staff else { throw PortalError.notFound }
            let id = try context.parameters.require("id", as: UUID.self)
            do {
                let report =
                    try await apis.get(.provisioning, "/api/servers/\(id.uuidString.lowercased())/health", as: staff)
                    as? [String: Any]
                return try await servers(
                    notice: "Healthy: the panel answered in \(report?["milliseconds"] ?? "?") ms "
                        + "(version \(report?["version"] ?? "unknown"), \(report?["accounts"] ?? "?") accounts).",
                    context: context)
            } catch let error as ServiceCallError where error.status == 502 {
                return try await servers(
                    errors: ["The panel does not answer as it should: check its address, credentials and service."],
                    context: context, status: .badGateway)
            }
        }
        router.get("dead-letters") { _, context in try await letters(context: context) }
        router.post("dead-letters/{service}/{id}/replay", use: replay)
    }

    @Sendable func setStatus(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let id = try context.parameters.require("id", as: UUID.self)
        let status = context.form.text("status")
        guard Self.serverStatuses.contains(status) else {
            return try await servers(
                errors: ["Choose active, draining or disabled."], context: context, status: .unprocessableContent)
        }
        do {
            let before =
                try await apis.get(.provisioning, "/api/servers/\(id.uuidString.lowercased())", as: staff)
                as? [String: Any]
            try await apis.call(
                .provisioning, .PATCH, "/api/servers/\(id.uuidString.lowercased())", body: ["status": status], as: staff
            )
            try await audit.record(
                by: staff, from: context.clientAddress, action: "server.status",
                target: "server:\(id.uuidString.lowercased()) \(before?["name"] as? String ?? "")", reason: nil,
                before: AuditEntry.json(["status": before?["status"] ?? ""]), after: AuditEntry.json(["status": status])
            )
        } catch let error as ServiceCallError where error.status == 403 {
            return try await servers(
                errors: ["Your role (\(staff.role.rawValue)) may not change servers."], context: context,
                status: .forbidden)
        }
        return try await servers(notice: "The server is \(status) now.", context: context)
    }

    @Sendable func replay(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        guard let service = StaffAPIs.Service(rawValue: try context.parameters.require("service")) else {
            throw PortalError.notFound
        }
        let id = try context.parameters.require("id", as: Int64.self)
        let outcome: [String: Any]
        do {
            outcome =
                try await apis.post(service, "/api/\(service.rawValue)/dead-letters/\(id)/replay", [:], as: staff)
                as? [String: Any] ?? [:]
        } catch let error as ServiceCallError where error.status == 403 {
            return try await letters(
                errors: ["Your role (\(staff.role.rawValue)) may not replay messages."], context: context,
                status: .forbidden)
        } catch let error as ServiceCallError where (400..<500).contains(error.status) {
            return try await letters(
                errors: [error.message ?? "\(service.rawValue) refused the replay."], context: context,
                status: .conflict)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "dead-letter.replay",
            target: "\(service.rawValue) dead-letter:\(id)", reason: nil, before: nil,
            after: AuditEntry.json(["outcome": outcome["outcome"] ?? ""]))
        return try await letters(notice: "Replayed: \(outcome["outcome"] as? String ?? "done").", context: context)
    }

    /// A new control-panel server: its API secret goes to provisioning, which seals it at rest;
    /// the portal keeps nothing of it and the audit log records everything but the secret.
    @Sendable func addServer(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let form = context.form
        guard let maxAccounts = Int(form.text("max_accounts")), (1...1_000_000).contains(maxAccounts),
            Self.panels.contains(form.text("panel"))
        else {
            return try await servers(
                errors: ["Choose the panel, and give the most accounts it takes (a whole number)."], context: context,
                status: .unprocessableContent)
        }
        var body: [String: Any] = [
            "name": form.text("name"), "panel": form.text("panel"), "hostname": form.text("hostname"),
            "ip": form.text("ip"), "api_url": form.text("api_url"), "api_username": form.text("api_username"),
            "server_group": form.text("server_group").isEmpty ? "default" : form.text("server_group"),
            "max_accounts": maxAccounts,
            "nameservers": form.text("nameservers").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            .filter { !$0.isEmpty },
        ]
        let audited = body
        body["api_secret"] = form["api_secret"] ?? ""
        let created: [String: Any]
        do {
            created = try await apis.post(.provisioning, "/api/servers", body, as: staff) as? [String: Any] ?? [:]
        } catch let error as ServiceCallError where (400..<500).contains(error.status) {
            return try await servers(
                errors: [ConsoleText.refusal(error, by: staff, what: "add servers")], context: context,
                status: error.status == 403 ? .forbidden : .unprocessableContent)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "server.added",
            target: "server:\((created["id"] as? String)?.lowercased() ?? "") \(form.text("name"))", reason: nil,
            before: nil, after: AuditEntry.json(audited))
        return try await servers(
            notice: "\(form.text("name")) is added and takes accounts now; check its health below.", context: context)
    }

    static let panels = ["cpanel", "plesk", "directadmin"]

    private func servers(
        errors: [String] = [], notice: String? = nil, context: ConsoleRequestContext,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let list = try await apis.get(.provisioning, "/api/servers", as: staff) as? [[String: Any]] ?? []
        return pages.render(
            "console-servers",
            [
                "title": "Servers", "errors": errors, "notice": notice ?? "",
                "may_configure": staff.role.may(.configure),
                "panels": Self.panels.map { ["panel": $0] },
                "servers": list.map { server in
                    let (count, capacity) = (
                        server["accounts"] as? Int ?? 0, max(server["max_accounts"] as? Int ?? 1, 1)
                    )
                    let current = server["status"] as? String ?? ""
                    return [
                        "id": (server["id"] as? String)?.lowercased() ?? "", "name": server["name"] ?? "",
                        "panel": server["panel"] ?? "",
                        "hostname": server["hostname"] ?? "", "group": server["server_group"] ?? "", "status": current,
                        "accounts": count, "capacity": capacity,
                        "health": DashboardController.health(server["last_health"] as? [String: Any]),
                        "unhealthy": (server["last_health"] as? [String: Any])?["healthy"] as? Bool == false,
                        "failures": server["health_failures"] as? Int ?? 0,
                        "choices": Self.serverStatuses.map { ["value": $0, "selected": $0 == current] },
                    ] as [String: Any]
                },
            ], context: context, status: status)
    }

    /// The accounts using 80% or more of their disk or monthly traffic, fullest first, as the
    /// last daily usage sync read them from their panels.
    private func usage(context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let items =
            (try await apis.get(.provisioning, "/api/usage?over=80&per_page=200", as: staff) as? [String: Any])?[
                "items"] as? [[String: Any]] ?? []
        return pages.render(
            "console-usage",
            [
                "title": "Usage", "empty": items.isEmpty,
                "accounts": items.map { item in
                    [
                        "id": (item["account_id"] as? String)?.lowercased() ?? "", "domain": item["domain"] ?? "",
                        "server": item["server"] ?? "—", "day": item["day"] ?? "",
                        "disk": SizeText.meter(
                            used: item["disk_mb"] as? Int ?? 0, limit: item["disk_limit_mb"] as? Int),
                        "bandwidth": SizeText.meter(
                            used: item["bandwidth_mb"] as? Int ?? 0, limit: item["bandwidth_limit_mb"] as? Int),
                    ] as [String: Any]
                },
            ], context: context)
    }

    private func letters(
        errors: [String] = [], notice: String? = nil, context: ConsoleRequestContext,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        var rows: [[String: Any]] = []
        var unreachable: [String] = []
        for service in StaffAPIs.Service.allCases {
            guard
                let page = try? await apis.get(
                    service, "/api/\(service.rawValue)/dead-letters?replayed=false&per_page=100", as: staff)
                    as? [String: Any]
            else {
                unreachable.append(service.rawValue)
                continue
            }
            rows += (page["items"] as? [[String: Any]] ?? []).map { letter in
                [
                    "service": service.rawValue, "id": letter["id"] ?? 0, "type": letter["type"] ?? "unreadable",
                    "source": letter["source"] ?? "—",
                    "reason": letter["reason"] ?? "", "at": ConsoleText.time(letter["received_at"]),
                ]
            }
        }
        return pages.render(
            "console-dead-letters",
            [
                "title": "Dead letters", "letters": rows, "empty": rows.isEmpty, "errors": errors,
                "notice": notice ?? "",
                "unreachable": unreachable.joined(separator: ", "), "has_unreachable": !unreachable.isEmpty,
                "may_replay": staff.role.may(.operateTasks),
            ], context: context, status: status)
    }
}
