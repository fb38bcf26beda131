import Foundation
import Hummingbird
import NIOHTTP1
import PortalTokens

/// The email templates: each with the version in force, edited with a preview on sample data,
/// saved as a new version (mail keeps them in its database), an earlier one restored.
struct TemplatesConsoleController: Sendable {
    let pages: PageRenderer
    let apis: StaffAPIs
    let audit: AuditLog

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("templates") { _, context in
            guard let staff = context.staff else { throw PortalError.notFound }
            let list = try await apis.get(.mail, "/api/mail/templates", as: staff) as? [[String: Any]] ?? []
            return pages.render(
                "console-templates",
                [
                    "title": "Email templates",
                    "templates": list.map { item in
                        [
                            "name": item["name"] ?? "",
                            "version": item["version"].map { "version \($0)" } ?? "as shipped",
                            "author": item["author"] ?? "", "changed": ConsoleText.time(item["changed_at"]),
                        ]
                    },
                ], context: context)
        }
        router.get("templates/{name}") { _, context in try await show(try Self.name(context), context: context) }
        router.post("templates/{name}", use: save)
        router.post("templates/{name}/restore", use: restore)
    }

    @Sendable func save(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let name = try Self.name(context)
        let draft = [
            "subject": context.form["subject"] ?? "", "text": context.form["text"] ?? "",
            "html": context.form["html"] ?? "",
        ]
        if context.form["preview"] != nil {
            do {
                let rendered =
                    try await apis.post(.mail, "/api/mail/templates/\(name)/preview", draft, as: staff)
                    as? [String: Any]
                return try await show(name, draft: draft, preview: rendered, context: context)
            } catch let error as ServiceCallError where error.status == 422 {
                return try await show(
                    name, draft: draft, errors: [error.message ?? "The template does not parse."], context: context,
                    status: .unprocessableContent)
            }
        }
        if context.form["test"] != nil { return try await sendTest(name, draft: draft, context: context) }
        let saved: [String: Any]
        do {
            saved =
                try await apis.call(.mail, .PUT, "/api/mail/templates/\(name)", body: draft, as: staff)
                as? [String: Any] ?? [:]
        } catch let error as ServiceCallError where error.status == 403 {
            return try await show(
                name, draft: draft, errors: ["Your role (\(staff.role.rawValue)) may not change templates."],
                context: context,
                status: .forbidden)
        } catch let error as ServiceCallError where (400..<500).contains(error.status) {
            return try await show(
                name, draft: draft, errors: [error.message ?? "Mail refused the template."], context: context,
                status: .unprocessableContent)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "template.saved", target: "template:\(name)", reason: nil,
            before: nil, after: AuditEntry.json(["version": saved["version"] ?? ""]))
        return try await show(
            name, notice: "Version \(saved["version"] ?? "?") is in force: the next email uses it.", context: context)
    }

    /// The draft on sample data to the staff member's own address, so they see it as a customer would.
    private func sendTest(_ name: String, draft: [String: String], context: ConsoleRequestContext) async throws
        -> Response
    {
        guard let staff = context.staff else { throw PortalError.notFound }
        var body: [String: Any] = draft
        body["to"] = staff.email
        do {
            try await apis.post(.mail, "/api/mail/templates/\(name)/test", body, as: staff)
        } catch let error as ServiceCallError where (400..<600).contains(error.status) {
            return try await show(
                name, draft: draft, errors: [ConsoleText.refusal(error, by: staff, what: "send test emails")],
                context: context,
                status: error.status == 403 ? .forbidden : .unprocessableContent)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "template.test-sent", target: "template:\(name)",
            reason: nil,
            before: nil, after: AuditEntry.json(["to": staff.email]))
        return try await show(
            name, draft: draft, notice: "A test of this draft is on its way to \(staff.email).", context: context)
    }

    @Sendable func restore(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let name = try Self.name(context)
        guard let version = Int(context.form.text("version")) else { throw PortalError.notFound }
        let saved: [String: Any]
        do {
            saved =
                try await apis.post(.mail, "/api/mail/templates/\(name)/restore", ["version": version], as: staff)
                as? [String: Any] ?? [:]
        } catch let error as ServiceCallError where error.status == 403 {
            return try await show(
                name, errors: ["Your role (\(staff.role.rawValue)) may not change templates."], context: context,
                status: .forbidden)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "template.restored", target: "template:\(name)",
            reason: nil,
            before: AuditEntry.json(["restored": version]), after: AuditEntry.json(["version": saved["version"] ?? ""]))
        return try await show(
            name, notice: "Version \(version) is back in force, as version \(saved["version"] ?? "?").",
            context: context)
    }

    private func show(
        _ name: String, draft: [String: String]? = nil, preview: [String: Any]? = nil, errors: [String] = [],
        notice: String? = nil, context: ConsoleRequestContext, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let detail = try await apis.get(.mail, "/api/mail/templates/\(name)", as: staff) as? [String: Any] ?? [:]
        let current = detail["current"] as? [String: Any] ?? [:]
        return pages.render(
            "console-template",
            [
                "title": "Template \(name)", "name": name, "errors": errors, "notice": notice ?? "",
                "in_force": (detail["version"] as? Int).map { "version \($0)" } ?? "the template as shipped",
                "subject": draft?["subject"] ?? current["subject"] ?? "",
                "text": draft?["text"] ?? current["text"] ?? "",
                "html": draft?["html"] ?? current["html"] ?? "", "may_configure": staff.role.may(.configure),
                "has_preview": preview != nil, "has_versions": !(detail["versions"] as? [Any] ?? []).isEmpty,
                "preview_subject": preview?["subject"] ?? "", "preview_text": preview?["text"] ?? "",
                "versions": (detail["versions"] as? [[String: Any]] ?? []).map { version in
                    [
                        "version": version["version"] ?? 0, "author": version["author"] ?? "",
                        "at": ConsoleText.time(version["created_at"]),
                        "subject": version["subject"] ?? "",
                    ]
                },
            ], context: context, status: status)
    }

    private static func name(_ context: ConsoleRequestContext) throws -> String {
        let name = try context.parameters.require("name")
        guard name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
            throw PortalError.notFound
        }
        return name
    }
}
