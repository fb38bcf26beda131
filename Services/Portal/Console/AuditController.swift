import Foundation
import Hummingbird

/// The audit log: searchable, filterable by who and what, and exportable as CSV.
struct AuditController: Sendable {
    let pages: PageRenderer
    let audit: AuditLog

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("audit") { request, context in
            let filter = Self.filter(request)
            let entries = try await audit.entries(filter)
            return pages.render(
                "console-audit",
                [
                    "title": "Audit log", "entries": entries.map(Self.row), "empty": entries.isEmpty,
                    "actor": filter.actor ?? "", "action": filter.action ?? "", "text": filter.text ?? "",
                    "query": request.uri.query ?? "",
                ], context: context)
        }
        router.get("audit.csv") { request, _ in
            var filter = Self.filter(request)
            filter.limit = 10_000
            let lines = try await audit.entries(filter).map { entry in
                [
                    String(entry.id), AccountController.dateTime(entry.at), entry.actor, entry.role ?? "",
                    entry.address ?? "", entry.action,
                    entry.target ?? "", entry.reason ?? "", entry.before ?? "", entry.after ?? "",
                ].map(Self.csv).joined(separator: ",")
            }
            let text =
                (["id,at,actor,role,address,action,target,reason,before,after"] + lines).joined(separator: "\r\n")
                + "\r\n"
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"audit-log.csv\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    private static func filter(_ request: Request) -> AuditFilter {
        func value(_ name: String) -> String? {
            request.uri.queryParameters.get(name).map { String($0.prefix(200)).trimmingCharacters(in: .whitespaces) }
                .flatMap { $0.isEmpty ? nil : $0 }
        }
        return AuditFilter(actor: value("actor"), action: value("action"), text: value("q"))
    }

    private static func row(_ entry: AuditEntry) -> [String: Any] {
        [
            "at": AccountController.dateTime(entry.at), "actor": entry.actor, "role": entry.role ?? "",
            "address": entry.address ?? "",
            "action": entry.action, "target": entry.target ?? "", "reason": entry.reason ?? "",
            "before": entry.before ?? "",
            "after": entry.after ?? "",
        ]
    }

    /// One CSV field (RFC 4180), with a leading `'` before what a spreadsheet would run as a formula.
    static func csv(_ field: String) -> String {
        let safe = field.first.map { "=+-@\t\r".contains($0) } == true ? "'" + field : field
        return "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
