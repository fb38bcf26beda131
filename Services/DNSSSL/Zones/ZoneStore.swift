import DNS
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceKit

/// The zones and desired records in DNS/SSL's schema.
enum ZoneStore {
    struct Zone: Sendable {
        let id: UUID
        let accountID: UUID
        let domain: String
        let nameservers: [String]
        let status: ZoneStatus
        /// The owner, when known (zones made before owners were kept have none).
        let customerID: UUID?
    }

    static func zone(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Zone? {
        try await connection.query(
            """
            SELECT id, account_id, domain, nameservers, status, customer_id FROM zones WHERE id = \(id)
            """, logger: logger
        ).collect().first.map(decode)
    }

    static func decode(_ row: PostgresRow) throws -> Zone {
        let (id, account, domain, nameservers, status, customer) = try row.decode(
            (UUID, UUID, String, [String], ZoneStatus, UUID?).self)
        return Zone(
            id: id, accountID: account, domain: domain, nameservers: nameservers, status: status, customerID: customer)
    }

    static func records(of zone: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [DNSRecordSet]
    {
        try await connection.query(
            """
            SELECT name, type, ttl, contents FROM records WHERE zone_id = \(zone) ORDER BY name, type
            """, logger: logger
        ).collect().map { row in
            let (name, type, ttl, contents) = try row.decode((String, String, Int, [String]).self)
            return DNSRecordSet(name: name, type: type, ttl: ttl, records: contents)
        }
    }

    /// Stores record sets as desired, replacing those of the same name and type.
    static func save(
        _ sets: [DNSRecordSet], zone: UUID, managed: Bool, on connection: PostgresConnection, logger: Logger
    ) async throws {
        for set in sets {
            try await connection.query(
                """
                INSERT INTO records (zone_id, name, type, ttl, contents, managed)
                VALUES (\(zone), \(set.name), \(set.type), \(set.ttl), \(set.records), \(managed))
                ON CONFLICT (zone_id, name, type) DO UPDATE SET ttl = excluded.ttl, contents = excluded.contents, managed = excluded.managed
                """, logger: logger)
        }
    }

    /// Zones by id or domain, oldest first.
    static func listing(id: UUID?, domain: String?, limit: Int, offset: Int, in database: Database) async throws
        -> [ZoneListing]
    {
        try await database.query(
            """
            SELECT id, account_id, domain, server_ip, nameservers, status, synced_at FROM zones
            WHERE (\(id)::uuid IS NULL OR id = \(id)) AND (\(domain)::text IS NULL OR domain = \(domain?.lowercased()))
            ORDER BY created_at, id LIMIT \(limit) OFFSET \(offset)
            """
        ).map(ZoneListing.init(row:))
    }

    /// The zones of `customer` that exist or are being made, by domain.
    static func zones(of customer: UUID, id: UUID?, in database: Database) async throws -> [CustomerZone] {
        try await database.query(
            """
            SELECT z.id, z.account_id, z.domain, z.status, z.nameservers, c.status, c.not_after
            FROM zones z
            LEFT JOIN LATERAL (
                SELECT status, not_after FROM certificates
                WHERE zone_id = z.id AND status IN ('pending', 'issued', 'failed') ORDER BY created_at DESC LIMIT 1
            ) c ON true
            WHERE z.customer_id = \(customer) AND z.status IN ('pending', 'active') AND (\(id)::uuid IS NULL OR z.id = \(id))
            ORDER BY z.domain LIMIT 200
            """
        ).map { row in
            let (id, account, domain, status, nameservers, certificate, notAfter) = try row.decode(
                (UUID, UUID, String, ZoneStatus, [String], CertificateStatus?, Date?).self)
            return CustomerZone(
                id: id, accountID: account, domain: domain, status: status, nameservers: nameservers,
                certificate: certificate.map { CustomerZone.Certificate(status: $0, notAfter: notAfter) })
        }
    }

    /// A zone's record sets, each marked when it is one of Hostwire's defaults.
    static func customerRecords(of zone: UUID, in database: Database) async throws -> [CustomerZone.Record] {
        try await database.query(
            """
            SELECT name, type, ttl, contents, managed FROM records WHERE zone_id = \(zone) ORDER BY name, type
            """
        ).map { row in
            let (name, type, ttl, contents, managed) = try row.decode((String, String, Int, [String], Bool).self)
            return CustomerZone.Record(name: name, type: type, ttl: ttl, contents: contents, managed: managed)
        }
    }

    /// Adds account `account`'s zone as `id`; `false` when the account or the domain has one.
    static func create(
        _ id: UUID, account: UUID, domain: String, serverIP: String, nameservers: [String], customer: UUID?,
        in transaction: Transaction
    ) async throws -> Bool {
        try await !transaction.query(
            """
            INSERT INTO zones (id, account_id, domain, server_ip, nameservers, customer_id)
            VALUES (\(id), \(account), \(domain), \(serverIP), \(nameservers), \(customer))
            ON CONFLICT DO NOTHING RETURNING id
            """
        ).isEmpty
    }

    /// Marks the zones of `account` as being deleted; returns them.
    static func markDeleting(of account: UUID, in transaction: Transaction) async throws -> [UUID] {
        try await transaction.query(
            """
            UPDATE zones SET status = 'deleting', updated_at = now() WHERE account_id = \(account) AND status <> 'deleted' RETURNING id
            """
        ).map { try $0.decode(UUID.self) }
    }

    /// Marks a served zone active and synced, under a lock; returns its status before, `nil`
    /// when it is no longer served (being deleted).
    static func markSynced(_ id: UUID, in transaction: Transaction) async throws -> ZoneStatus? {
        guard
            let before = try await transaction.query("SELECT status FROM zones WHERE id = \(id) FOR UPDATE").first?
                .decode(ZoneStatus.self),
            before.isServed
        else { return nil }
        try await transaction.query(
            "UPDATE zones SET status = 'active', synced_at = now(), updated_at = now() WHERE id = \(id)")
        return before
    }

    /// Marks a zone gone from the DNS server.
    static func markDeleted(_ id: UUID, in transaction: Transaction) async throws {
        try await transaction.query("UPDATE zones SET status = 'deleted', updated_at = now() WHERE id = \(id)")
    }

    /// How many record sets of the customer's own `zone` holds, not counting `set`'s name and type.
    static func customerRecordSets(in zone: UUID, besides set: DNSRecordSet, in transaction: Transaction) async throws
        -> Int
    {
        try await transaction.query(
            """
            SELECT count(*)::int FROM records WHERE zone_id = \(zone) AND NOT managed AND NOT (name = \(set.name) AND type = \(set.type))
            """
        ).first?.decode(Int.self) ?? 0
    }

    /// Removes the record set `name`/`type` from `zone`.
    static func delete(name: String, type: String, in zone: UUID, in transaction: Transaction) async throws {
        try await transaction.query(
            "DELETE FROM records WHERE zone_id = \(zone) AND name = \(name) AND type = \(type)")
    }
}
