import Foundation
import Hummingbird
import PortalTokens

/// Every service's failed tasks with their attempts and last error, retried one by one or all
/// at once, and the dead letters still waiting.
struct TasksConsoleController: Sendable {
    let pages: PageRenderer
    let apis: StaffAPIs
    let audit: AuditLog

    /// The services that run tasks.
    static let services: [StaffAPIs.Service] = [.provisioning, .dnsssl, .mail, .billing]

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("tasks", use: list)
        router.post("tasks/{service}/{id}/retry") { _, context in
            let service = try Self.service(context.parameters.require("service"))
            let id = try context.parameters.require("id", as: UUID.self)
            return try await retry([(service, id)], context: context)
        }
        router.post("tasks/retry-all") { _, context in
            guard let staff = context.staff else { throw PortalError.notFound }
            var failed: [(StaffAPIs.Service, UUID)] = []
            for service in Self.services {
                for task in try await tasks(service, staff) {
                    if let id = (task["id"] as? String).flatMap(UUID.init) { failed.append((service, id)) }
                }
            }
            return try await retry(failed, context: context)
        }
    }

    @Sendable func list(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        try await page(context: context)
    }

    private func page(
        errors: [String] = [], notice: String? = nil, context: ConsoleRequestContext,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        var rows: [[String: Any]] = []
        var unreachable: [String] = []
        for service in Self.services {
            do {
                rows += try await tasks(service, staff).map { task in
                    [
                        "service": service.rawValue, "id": task["id"] ?? "", "type": task["type"] ?? "",
                        "attempts": task["attempts"] ?? 0,
                        "max_attempts": task["max_attempts"] ?? 0, "error": task["last_error"] ?? "",
                        "updated": ConsoleText.time(task["updated_at"]),
                    ]
                }
            } catch {
                unreachable.append(service.rawValue)
            }
        }
        return pages.render(
            "console-tasks",
            [
                "title": "Failed tasks", "tasks": rows, "empty": rows.isEmpty, "errors": errors, "notice": notice ?? "",
                "unreachable": unreachable.joined(separator: ", "), "has_unreachable": !unreachable.isEmpty,
                "may_retry": staff.role.may(.operateTasks),
            ], context: context, status: status)
    }

    private func tasks(_ service: StaffAPIs.Service, _ staff: StaffSession) async throws -> [[String: Any]] {
        (try await apis.get(service, "/api/\(service.rawValue)/tasks?status=failed&per_page=100", as: staff)
            as? [String: Any])?["items"]
            as? [[String: Any]] ?? []
    }

    private func retry(_ tasks: [(StaffAPIs.Service, UUID)], context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        var retried = 0
        for (service, id) in tasks {
            do {
                try await apis.post(
                    service, "/api/\(service.rawValue)/retry/\(id.uuidString.lowercased())", [:], as: staff)
            } catch let error as ServiceCallError where error.status == 403 {
                return try await page(
                    errors: ["Your role (\(staff.role.rawValue)) may not retry tasks."], context: context,
                    status: .forbidden)
            } catch let error as ServiceCallError where error.status == 404 || error.status == 409 {
                continue  // retried by someone else meanwhile, or done
            }
            retried += 1
            try await audit.record(
                by: staff, from: context.clientAddress, action: "task.retry",
                target: "\(service.rawValue) task:\(id.uuidString.lowercased())", reason: nil,
                before: AuditEntry.json(["status": "failed"]), after: AuditEntry.json(["status": "pending"]))
        }
        return try await page(
            notice: retried == 1 ? "1 task queued again." : "\(retried) tasks queued again.", context: context)
    }

    private static func service(_ name: String) throws -> StaffAPIs.Service {
        guard let service = StaffAPIs.Service(rawValue: name), services.contains(service) else {
            throw PortalError.notFound
        }
        return service
    }
}
