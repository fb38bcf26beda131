import DNS
import Foundation
import Logging
import PostgresNIO

/// The zones and desired records in DNS/SSL's schema.
enum ZoneStore {
    struct Zone: Sendable {
        let id: UUID
        let accountID: UUID
        let domain: String
        let nameservers: [String]
        let status: String
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
            (UUID, UUID, String, [String], String, UUID?).self)
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
}
