import DNS
import Foundation
import Hummingbird
import Messaging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `/api/dnsssl`: zones with their records and drift from the DNS server, record edits
/// (stored, then applied through the same adapter), certificates, and forced re-issue.
struct DNSSSLController: Sendable {
    let dependencies: ServiceDependencies
    let settings: DNSSSLSettings

    struct Zone: Encodable {
        let id: UUID, accountID: UUID, domain: String, serverIP: String, nameservers: [String], status: String,
            syncedAt: Date?
        var records: [DNSRecordSet]?
        var drift: Drift?
        enum CodingKeys: String, CodingKey {
            case id
            case accountID = "account_id"
            case domain
            case serverIP = "server_ip"
            case nameservers, status
            case syncedAt = "synced_at"
            case records, drift
        }
    }

    /// What the DNS server has that differs from what is stored.
    struct Drift: Encodable {
        let reachable: Bool
        let missing: [DNSRecordSet]
        let different: [DNSRecordSet]
        let unexpected: [DNSRecordSet]
    }

    struct Certificate: Encodable {
        let id: UUID, accountID: UUID, domain: String, names: [String], status: String, renews: UUID?, serial: String?
        let notBefore: Date?, notAfter: Date?, issuedAt: Date?, lastError: String?, certificate: String?
        enum CodingKeys: String, CodingKey {
            case id
            case accountID = "account_id"
            case domain, names, status, renews, serial
            case notBefore = "not_before"
            case notAfter = "not_after"
            case issuedAt = "issued_at"
            case lastError = "last_error"
            case certificate
        }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        let (store, database, logger) = (dependencies.store, dependencies.database, dependencies.logger)
        TasksController<ServiceRequestContext>(store: store, registry: dependencies.taskRegistry).addRoutes(to: api)
        api.get("zones") { request, _ in
            let paging = try Paging(request)
            return APIResponse.json(
                try await zones(
                    id: nil, domain: request.uri.queryParameters.get("domain"),
                    limit: paging.perPage, offset: paging.offset))
        }
        api.get("zones/{id}") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard var zone = try await zones(id: id, domain: nil, limit: 1, offset: 0).first else {
                throw APIError.notFound("zone")
            }
            let records = try await database.transaction { try await ZoneStore.records(of: id, on: $0, logger: logger) }
            zone.records = records
            zone.drift = await drift(zone.domain, records)
            return APIResponse.json(zone)
        }
        let edits = ZoneEdits(store: store)
        api.put("zones/{id}/records") { request, context in
            let set = try ZoneEdits.validated(try await APIResponse.decode(ZoneEdits.RecordEdit.self, from: request))
            try await edits.save(set, in: try context.parameters.require("id", as: UUID.self), of: nil)
            return APIResponse.json(set)
        }
        api.delete("zones/{id}/records") { request, context in
            let (name, type) = try ZoneEdits.recordSet(request)
            try await edits.delete(
                name: name, type: type, in: try context.parameters.require("id", as: UUID.self), of: nil)
            return Response(status: .noContent)
        }
        api.post("zones/{id}/sync") { _, context in
            try await edits.sync(try context.parameters.require("id", as: UUID.self))
            return Response(status: .accepted)
        }
        api.get("certificates") { request, _ in
            let paging = try Paging(request)
            var expiring: Int?
            if let text = request.uri.queryParameters.get("expiring_within_days") {
                guard let days = Int(text), (0...3650).contains(days) else {
                    throw APIError.invalid("expiring_within_days", "expiring_within_days is 0 to 3650")
                }
                expiring = days
            }
            return APIResponse.json(
                try await certificates(
                    id: nil, domain: request.uri.queryParameters.get("domain"), expiringWithin: expiring,
                    limit: paging.perPage, offset: paging.offset, withPEM: false))
        }
        api.get("certificates/{id}") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard
                let certificate = try await certificates(id: id, domain: nil, limit: 1, offset: 0, withPEM: true).first
            else {
                throw APIError.notFound("certificate")
            }
            return APIResponse.json(certificate)
        }
        api.post("certificates/{id}/reissue") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            let fresh = try await store.transaction { transaction -> UUID? in
                let connection = transaction.connection
                guard
                    let row = try await connection.query(
                        """
                        SELECT c.zone_id, c.account_id, c.domain, c.names FROM certificates c JOIN zones z ON z.id = c.zone_id AND z.status = 'active'
                        WHERE c.id = \(id)
                        """, logger: logger
                    ).collect().first
                else { return nil }
                let (zone, account, domain, names) = try row.decode((UUID, UUID, String, [String]).self)
                let fresh = UUID()
                try await connection.query(
                    """
                    INSERT INTO certificates (id, zone_id, account_id, domain, names) VALUES (\(fresh), \(zone), \(account), \(domain), \(names))
                    """, logger: logger)
                try await transaction.enqueue(IssueCertificateTask(certificateID: fresh), dedupeKey: "issue:\(fresh)")
                return fresh
            }
            guard let fresh else { throw APIError.notFound("certificate of an active zone") }
            return APIResponse.json(["certificate_id": fresh], status: .accepted)
        }
    }

    private func drift(_ domain: String, _ desired: [DNSRecordSet]) async -> Drift {
        guard let live = try? await settings.dns.zone(domain) else {
            return Drift(reachable: false, missing: desired, different: [], unexpected: [])
        }
        let diff = ZoneDiff(desired: desired, live: live)
        return Drift(reachable: true, missing: diff.missing, different: diff.different, unexpected: diff.unexpected)
    }

    private func zones(id: UUID?, domain: String?, limit: Int, offset: Int) async throws -> [Zone] {
        try await dependencies.database.query(
            """
            SELECT id, account_id, domain, server_ip, nameservers, status, synced_at FROM zones
            WHERE (\(id)::uuid IS NULL OR id = \(id)) AND (\(domain)::text IS NULL OR domain = \(domain?.lowercased()))
            ORDER BY created_at, id LIMIT \(limit) OFFSET \(offset)
            """
        ).map { row in
            let (id, account, domain, ip, nameservers, status, synced) = try row.decode(
                (UUID, UUID, String, String, [String], String, Date?).self)
            return Zone(
                id: id, accountID: account, domain: domain, serverIP: ip, nameservers: nameservers, status: status,
                syncedAt: synced)
        }
    }

    /// Certificates by id or domain; `expiringWithin` days keeps the issued ones that expire by then, soonest first.
    private func certificates(
        id: UUID?, domain: String?, expiringWithin days: Int? = nil, limit: Int, offset: Int,
        withPEM: Bool
    ) async throws -> [Certificate] {
        try await dependencies.database.query(
            """
            SELECT id, account_id, domain, names, status, renews, serial, not_before, not_after, issued_at, last_error,
                   CASE WHEN \(withPEM) THEN certificate || coalesce(chain, '') END
            FROM certificates WHERE (\(id)::uuid IS NULL OR id = \(id)) AND (\(domain)::text IS NULL OR domain = \(domain?.lowercased()))
              AND (\(days)::int IS NULL OR (status = 'issued' AND not_after < now() + make_interval(days => \(days))))
            ORDER BY CASE WHEN \(days)::int IS NOT NULL THEN not_after END, created_at, id LIMIT \(limit) OFFSET \(offset)
            """
        ).map { row in
            let (id, account, domain, names, status, renews, serial, notBefore, notAfter, issued, error, pem) =
                try row.decode(
                    (UUID, UUID, String, [String], String, UUID?, String?, Date?, Date?, Date?, String?, String?).self)
            return Certificate(
                id: id, accountID: account, domain: domain, names: names, status: status, renews: renews,
                serial: serial,
                notBefore: notBefore, notAfter: notAfter, issuedAt: issued, lastError: error, certificate: pem)
        }
    }
}
