import Foundation
import Hummingbird
import PortalTokens

/// DNS zones and certificates: each zone's state with a sync (it repairs drift), each
/// certificate's state and expiry with a forced re-issue. Both audited.
struct DNSConsoleController: Sendable {
    let pages: PageRenderer
    let apis: StaffAPIs
    let audit: AuditLog

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("dns") { _, context in try await page(context: context) }
        router.post("dns/zones/{id}/sync") { _, context in
            try await act(
                context, path: "zones/{id}/sync", action: "zone.sync",
                done: "The zone is being synced with the DNS server.")
        }
        router.post("dns/certificates/{id}/reissue") { _, context in
            try await act(
                context, path: "certificates/{id}/reissue", action: "certificate.reissue",
                done: "A new certificate is being ordered; the page shows it when it is issued.")
        }
    }

    private func act(_ context: ConsoleRequestContext, path: String, action: String, done: String) async throws
        -> Response
    {
        guard let staff = context.staff else { throw PortalError.notFound }
        let id = try context.parameters.require("id", as: UUID.self).uuidString.lowercased()
        do {
            try await apis.post(
                .dnsssl, "/api/dnsssl/" + path.replacingOccurrences(of: "{id}", with: id), [:], as: staff)
        } catch let error as ServiceCallError where error.status == 403 {
            return try await page(
                errors: ["Your role (\(staff.role.rawValue)) may not do this."], context: context, status: .forbidden)
        } catch let error as ServiceCallError where (400..<500).contains(error.status) {
            return try await page(errors: [error.message ?? "DNS/SSL refused."], context: context, status: .conflict)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: action, target: "\(action.prefix { $0 != "." }):\(id)",
            reason: nil, before: nil, after: nil)
        return try await page(notice: done, context: context)
    }

    private func page(
        errors: [String] = [], notice: String? = nil, context: ConsoleRequestContext,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        async let zones = try? apis.get(.dnsssl, "/api/dnsssl/zones?per_page=100", as: staff)
        async let certificates = try? apis.get(.dnsssl, "/api/dnsssl/certificates?per_page=100", as: staff)
        let soon = Date().addingTimeInterval(21 * 86_400)
        let zoneRows = (Self.items(await zones)).map { zone -> [String: Any] in
            [
                "id": (zone["id"] as? String)?.lowercased() ?? "", "domain": zone["domain"] ?? "",
                "status": zone["status"] ?? "",
                "synced": ConsoleText.time(zone["synced_at"]),
            ]
        }
        let certificateRows = (Self.items(await certificates)).map { certificate -> [String: Any] in
            let notAfter = (certificate["not_after"] as? String).flatMap { try? Date($0, strategy: .iso8601) }
            return [
                "id": (certificate["id"] as? String)?.lowercased() ?? "", "domain": certificate["domain"] ?? "",
                "status": certificate["status"] ?? "", "expires": ConsoleText.time(certificate["not_after"]),
                "expiring": notAfter.map { $0 < soon } ?? false, "error": certificate["last_error"] ?? "",
            ]
        }
        return pages.render(
            "console-dns",
            [
                "title": "DNS and certificates", "errors": errors, "notice": notice ?? "",
                "may_operate": staff.role.may(.operateTasks),
                "zones": zoneRows, "certificates": certificateRows, "has_zones": !zoneRows.isEmpty,
                "has_certificates": !certificateRows.isEmpty,
            ], context: context, status: status)
    }

    /// A list answer, plain or paged.
    private static func items(_ answer: Any?) -> [[String: Any]] {
        (answer as? [[String: Any]]) ?? ((answer as? [String: Any])?["items"] as? [[String: Any]]) ?? []
    }
}
