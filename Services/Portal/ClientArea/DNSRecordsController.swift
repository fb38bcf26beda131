import Foundation
import Hummingbird

/// A hosting account's DNS records, from the services page: Hostwire's defaults and the
/// customer's own, added, replaced and removed through DNS/SSL, which checks each record.
struct DNSRecordsController: Sendable {
    let pages: PageRenderer
    let services: ServiceAPIs
    let link: CustomerLink

    static let types = ["A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA"]

    func addRoutes(to router: RouterGroup<PortalRequestContext>) {
        router.get("services/{id}/dns") { _, context in try await page(context: context) }
        router.post("services/{id}/dns", use: save)
        router.post("services/{id}/dns/delete", use: delete)
    }

    @Sendable func save(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let (zone, session) = try await zone(context)
        let form = context.form
        let type = form.text("type").uppercased()
        let name = Self.absolute(form.text("name"), in: zone.domain)
        let contents = form.text("contents").split(whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        .filter { !$0.isEmpty }
        var errors: [String] = []
        if !Self.types.contains(type) { errors.append("Choose the record's type.") }
        if contents.isEmpty { errors.append("Give the record's value (one per line for several).") }
        let ttl = Int(form.text("ttl"))
        if ttl == nil { errors.append("The TTL is a number of seconds, such as 3600.") }
        guard errors.isEmpty else {
            return try await page(errors: errors, draft: form, context: context, status: .unprocessableContent)
        }
        do {
            try await services.saveRecords(
                DNSRecordEdit(name: name, type: type, ttl: ttl, contents: contents), in: zone.id, session)
        } catch let error as ServiceCallError where error.status == 422 {
            return try await page(
                errors: [error.message ?? "DNS refused this record."], draft: form, context: context,
                status: .unprocessableContent)
        }
        return try await page(notice: "Saved: \(name) \(type). It is live within a minute.", context: context)
    }

    @Sendable func delete(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let (zone, session) = try await zone(context)
        let (name, type) = (context.form.text("name"), context.form.text("type"))
        guard Self.types.contains(type), zone.records?.contains(where: { $0.name == name && $0.type == type }) == true
        else {
            throw PortalError.notFound
        }
        try await services.deleteRecords(named: name, type: type, in: zone.id, session)
        return try await page(notice: "Removed: \(name) \(type).", context: context)
    }

    /// `name` as typed ("@", "www", or a full name) as an absolute name inside `domain`.
    static func absolute(_ name: String, in domain: String) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed.isEmpty || trimmed == "@" { return domain + "." }
        let bare = trimmed.hasSuffix(".") ? String(trimmed.dropLast()) : trimmed
        return bare == domain || bare.hasSuffix("." + domain) ? bare + "." : bare + "." + domain + "."
    }

    /// `name` as shown: relative to the domain, "@" for the domain itself.
    static func relative(_ name: String, in domain: String) -> String {
        let bare = name.hasSuffix(".") ? String(name.dropLast()) : name
        if bare == domain { return "@" }
        return bare.hasSuffix("." + domain) ? String(bare.dropLast(domain.count + 1)) : bare
    }

    private func zone(_ context: PortalRequestContext) async throws -> (DNSZone, PortalSession) {
        let session = try await link.session(context)
        guard let id = context.parameters.get("id", as: UUID.self),
            let zone = try await services.zone(ofAccount: id, session)
        else {
            throw PortalError.notFound
        }
        return (zone, session)
    }

    private func page(
        errors: [String] = [], notice: String? = nil, draft: FormFields? = nil, context: PortalRequestContext,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let (zone, _) = try await zone(context)
        let account = context.parameters.get("id") ?? ""
        let records = (zone.records ?? []).filter { !["NS", "SOA"].contains($0.type) }
        return pages.render(
            "dns",
            [
                "title": "DNS for \(zone.domain)", "domain": zone.domain, "account": account, "errors": errors,
                "notice": notice ?? "",
                "active": zone.status == "active", "nameservers": zone.nameservers.joined(separator: ", "),
                "records": records.map { record in
                    [
                        "name": Self.relative(record.name, in: zone.domain), "full_name": record.name,
                        "type": record.type, "ttl": record.ttl,
                        "contents": record.contents.joined(separator: "\n"), "managed": record.managed,
                        "key": "\(record.type)-\(record.name)".lowercased().map {
                            $0.isLetter || $0.isNumber ? $0 : "-"
                        }.map(String.init).joined(),
                    ]
                },
                "types": Self.types.map { ["type": $0, "selected": $0 == (draft?.text("type") ?? "A")] },
                "draft_name": draft?.text("name") ?? "", "draft_contents": draft?.text("contents") ?? "",
                "draft_ttl": draft.map { $0.text("ttl") } ?? "3600",
            ], context: context, status: status)
    }
}
