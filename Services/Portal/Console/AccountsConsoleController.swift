import Contracts
import Foundation
import Hummingbird
import PortalTokens

/// Every hosting account, and what staff may do to one — each action asks for confirmation
/// and a reason, is checked by provisioning against the staff member's role, and is audited.
struct AccountsConsoleController: Sendable {
    let pages: PageRenderer
    let apis: StaffAPIs
    let audit: AuditLog

    /// The actions, in the order the page shows them, with the permission each needs.
    static let actions: [(name: String, label: String, permission: StaffPermission)] = [
        ("suspend", "Suspend", .manageAccounts), ("unsuspend", "Unsuspend", .manageAccounts),
        ("change-package", "Change package", .manageAccounts),
        ("reset-password", "Reset panel password", .manageAccounts),
        ("terminate", "Terminate", .terminateAccounts),
    ]
    /// The backup forms: a backup now, and a restore of a chosen backup (after a safety backup).
    static let backupActions: [(name: String, label: String)] = [("backups", "Back up now"), ("restore", "Restore")]
    static let statuses = ["provisioning", "active", "suspended", "failed", "terminated"]

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("accounts", use: list)
        router.get("accounts/{id}") { _, context in
            try await show(try context.parameters.require("id", as: UUID.self), context: context)
        }
        router.post("accounts/{id}/{action}", use: act)
    }

    @Sendable func list(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let status = request.uri.queryParameters.get("status").flatMap {
            Self.statuses.contains(String($0)) ? String($0) : nil
        }
        let query = status.map { "?status=\($0)&per_page=100" } ?? "?per_page=100"
        let accounts = try await apis.get(.provisioning, "/api/accounts\(query)", as: staff) as? [[String: Any]] ?? []
        return pages.render(
            "console-accounts",
            [
                "title": "Accounts", "accounts": accounts.map(Self.row),
                "filters": Self.statuses.map { ["status": $0, "current": $0 == status] }, "all": status == nil,
                "empty": accounts.isEmpty,
            ], context: context)
    }

    @Sendable func act(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let id = try context.parameters.require("id", as: UUID.self)
        let action = try context.parameters.require("action")
        guard
            Self.actions.contains(where: { $0.name == action })
                || Self.backupActions.contains(where: { $0.name == action })
        else { throw PortalError.notFound }
        let reason = context.form.text("reason")
        var errors: [String] = []
        if context.form["confirm-\(action)"] != "yes" {
            errors.append("Tick the box to confirm: this changes the customer's account.")
        }
        if !(3...200).contains(reason.count) {
            errors.append("Give the reason (3 to 200 characters): it goes in the audit log.")
        }
        var body: [String: Any] = ["reason": reason]
        if action == "change-package" {
            let plan = context.form.text("plan")
            if plan.isEmpty { errors.append("Name the package to change to.") }
            body["plan"] = plan
        }
        if action == "restore" {
            guard let backup = UUID(uuidString: context.form.text("backup_id")) else {
                errors.append("Choose the backup to restore.")
                return try await show(id, errors: errors, context: context, status: .unprocessableContent)
            }
            body["backup_id"] = backup.uuidString.lowercased()
        }
        guard errors.isEmpty else {
            return try await show(id, errors: errors, context: context, status: .unprocessableContent)
        }
        let before =
            try await apis.get(.provisioning, "/api/accounts/\(id.uuidString.lowercased())", as: staff)
            as? [String: Any]
        do {
            try await apis.post(.provisioning, "/api/accounts/\(id.uuidString.lowercased())/\(action)", body, as: staff)
        } catch let error as ServiceCallError where error.status == 403 {
            return try await show(
                id,
                errors: [
                    "Your role (\(staff.role.rawValue)) may not \(action.replacingOccurrences(of: "-", with: " ")) an account. "
                        + "Ask an owner or an admin."
                ], context: context, status: .forbidden)
        } catch let error as ServiceCallError where (400..<500).contains(error.status) {
            return try await show(
                id, errors: [error.message ?? "Provisioning refused: \(error.code ?? "\(error.status)")."],
                context: context,
                status: .conflict)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "account.\(action)",
            target: "account:\(id.uuidString.lowercased()) \(before?["domain"] as? String ?? "")",
            reason: reason,
            before: AuditEntry.json(["status": before?["status"] ?? "", "plan": before?["plan"] ?? ""]),
            after: AuditEntry.json(
                ["requested": action, "plan": body["plan"] ?? before?["plan"] ?? "", "backup": body["backup_id"] ?? ""])
        )
        return Response.redirect(to: "/console/accounts/\(id.uuidString.lowercased())?done=\(action)", type: .normal)
    }

    private func show(
        _ id: UUID, errors: [String] = [], context: ConsoleRequestContext,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let path = "/api/accounts/\(id.uuidString.lowercased())"
        let account: [String: Any]
        do {
            account = try await apis.get(.provisioning, path, as: staff) as? [String: Any] ?? [:]
        } catch let error as ServiceCallError where error.status == 404 {
            throw PortalError.notFound
        }
        let history =
            (try await apis.get(.provisioning, "\(path)/actions", as: staff) as? [String: Any])?["items"]
            as? [[String: Any]] ?? []
        let backups = try await apis.get(.provisioning, "\(path)/backups", as: staff) as? [String: Any] ?? [:]
        let usage = try await Self.usage(apis.get(.provisioning, "\(path)/usage?days=30", as: staff))
        let live = ["active", "suspended"].contains(account["status"] as? String ?? "")
        return pages.render(
            "console-account",
            [
                "title": account["domain"] as? String ?? "Account", "account": Self.row(account), "errors": errors,
                "actions": Self.actions.filter { Self.applies($0.name, to: account["status"] as? String ?? "") }.map {
                    action in
                    [
                        "name": action.name, "label": action.label, "allowed": staff.role.may(action.permission),
                        "needs_plan": action.name == "change-package", "danger": action.name == "terminate",
                    ]
                },
                "history": history.map { item in
                    [
                        "action": item["action"] ?? "", "actor": item["actor"] ?? "", "status": item["status"] ?? "",
                        "detail": item["detail"] ?? "", "at": ConsoleText.time(item["requested_at"]),
                    ]
                },
                "has_history": !history.isEmpty, "role": staff.role.rawValue,
                "backups": Self.backups(backups, live: live, allowed: staff.role.may(.manageAccounts)),
                "usage_charts": UsageCharts.draw(usage, domain: account["domain"] as? String ?? ""),
                "has_usage": !usage.isEmpty,
            ], context: context, status: status)
    }

    /// The measured days of provisioning's answer (newest first), oldest first.
    static func usage(_ answer: Any) throws -> [AccountUsageDay] {
        let items = (answer as? [String: Any])?["items"] ?? []
        return try JSONDecoder().decode(
            [AccountUsageDay].self, from: try JSONSerialization.data(withJSONObject: items)
        ).reversed()
    }

    /// Whether `action` can be asked of an account in `status` (provisioning refuses the others with 409).
    static func applies(_ action: String, to status: String) -> Bool {
        switch action {
        case "suspend": status == "active"
        case "unsuspend": status == "suspended"
        case "terminate": status == "active" || status == "suspended" || status == "failed"
        default: status == "active" || status == "suspended"
        }
    }

    /// The backups section: each backup, the completed ones to restore, and the restores.
    static func backups(_ list: [String: Any], live: Bool, allowed: Bool) -> [String: Any] {
        let items = list["items"] as? [[String: Any]] ?? []
        let rows = items.map { item -> [String: Any] in
            let size = (item["size_mb"] as? Int).map(SizeText.megabytes) ?? "—"
            let when = ConsoleText.time(item["completed_at"] ?? item["requested_at"])
            return [
                "id": item["id"] ?? "", "when": when, "kind": item["kind"] ?? "", "status": item["status"] ?? "",
                "size": size, "expires": ConsoleText.time(item["expires_at"]),
                "failed": item["status"] as? String == "failed", "error": item["last_error"] ?? "",
                "option": "\(when) · \(item["kind"] as? String ?? "") · \(size)",
                "restorable": item["status"] as? String == "completed",
            ]
        }
        let restores = (list["restores"] as? [[String: Any]] ?? []).map { item -> [String: Any] in
            [
                "when": ConsoleText.time(item["requested_at"]), "step": item["step"] ?? "",
                "by": item["requested_by"] ?? "", "error": item["last_error"] ?? "",
            ]
        }
        let restorable = rows.filter { $0["restorable"] as? Bool == true }
        return [
            "items": rows, "has_items": !rows.isEmpty, "restorable": restorable,
            "can_restore": live && !restorable.isEmpty, "live": live, "allowed": allowed,
            "restores": restores, "has_restores": !restores.isEmpty,
        ]
    }

    static func row(_ account: [String: Any]) -> [String: Any] {
        [
            "id": (account["id"] as? String)?.lowercased() ?? "", "domain": account["domain"] ?? "",
            "plan": account["plan"] ?? "", "status": account["status"] ?? "",
            "step": account["step"] ?? "", "customer": account["customer_name"] ?? "",
            "email": account["contact_email"] ?? "",
            "username": account["username"] ?? "—", "error": account["last_error"] ?? "",
            "has_error": (account["last_error"] as? String) != nil,
            "suspend_reason": account["suspend_reason"] ?? "", "created": ConsoleText.time(account["created_at"]),
        ]
    }
}

extension AuditEntry {
    /// `value` as the JSON the audit log keeps.
    static func json(_ value: [String: Any]) -> String? {
        (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])).map {
            String(decoding: $0, as: UTF8.self)
        }
    }
}
