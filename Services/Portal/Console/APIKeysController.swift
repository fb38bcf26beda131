import Foundation
import Hummingbird
import PortalTokens

/// The signed-in staff member's own API keys: created with scopes (within their role) and an
/// optional address allow-list, shown once, revoked. Each change is audited.
struct APIKeysController: Sendable {
    let pages: PageRenderer
    let keys: StaffAPIKeys
    let audit: AuditLog

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("api-keys") { _, context in try await page(context: context) }
        router.post("api-keys", use: create)
        router.post("api-keys/{id}/revoke") { _, context in
            guard let me = context.staff else { throw PortalError.notFound }
            let id = try context.parameters.require("id", as: UUID.self)
            guard try await keys.revoke(id, of: me.staffID) else { throw PortalError.notFound }
            try await audit.record(
                by: me, from: context.clientAddress, action: "api-key.revoked",
                target: "api-key:\(id.uuidString.lowercased())", reason: nil, before: nil, after: nil)
            return try await page(
                notice: "The key is revoked: tokens it was exchanged for end within five minutes.", context: context)
        }
    }

    @Sendable func create(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let me = context.staff else { throw PortalError.notFound }
        let name = context.form.text("name")
        let scopes = StaffPermission.allCases.filter {
            me.role.may($0) && context.form["scope-\($0.rawValue)"] == "yes"
        }
        let networks = context.form.text("networks").split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(
            String.init)
        var errors: [String] = []
        if !(1...100).contains(name.count) {
            errors.append("Name the key (up to 100 characters), for instance after the script that uses it.")
        }
        if scopes.isEmpty { errors.append("Choose at least one thing the key may do.") }
        if networks.count > 20 { errors.append("Give at most 20 networks.") }
        guard errors.isEmpty else {
            return try await page(errors: errors, context: context, status: .unprocessableContent)
        }
        let created: (StaffAPIKey, String)
        do {
            created = try await keys.create(for: me.staffID, name: name, scopes: scopes, allowedNetworks: networks)
        } catch StaffAPIKeys.Refusal.invalidNetwork(let network) {
            return try await page(
                errors: ["\(network) is not a network: write it as 192.0.2.0/24 or 2001:db8::/32."], context: context,
                status: .unprocessableContent)
        }
        try await audit.record(
            by: me, from: context.clientAddress, action: "api-key.created",
            target: "api-key:\(created.0.id.uuidString.lowercased()) \(name)",
            reason: nil, before: nil,
            after: AuditEntry.json(["scopes": scopes.map(\.rawValue), "networks": networks]))
        return try await page(newKey: created.1, context: context)
    }

    private func page(
        errors: [String] = [], notice: String? = nil, newKey: String? = nil, context: ConsoleRequestContext,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let me = context.staff else { throw PortalError.notFound }
        let list = try await keys.keys(of: me.staffID).map { key -> [String: Any] in
            [
                "id": key.id.uuidString.lowercased(), "name": key.name, "prefix": key.prefix,
                "scopes": key.scopes.map(\.rawValue).joined(separator: ", "),
                "networks": key.allowedNetworks.isEmpty ? "anywhere" : key.allowedNetworks.joined(separator: ", "),
                "created": AccountController.dateTime(key.createdAt),
                "used": key.lastUsedAt.map(AccountController.dateTime) ?? "never",
                "live": key.revokedAt == nil,
            ]
        }
        return pages.render(
            "console-api-keys",
            [
                "title": "API keys", "keys": list, "empty": list.isEmpty, "errors": errors, "notice": notice ?? "",
                "new_key": newKey ?? "",
                "scopes": StaffPermission.allCases.filter { me.role.may($0) }.map {
                    ["scope": $0.rawValue, "checked": $0 == .read]
                },
            ], context: context, status: status)
    }
}
