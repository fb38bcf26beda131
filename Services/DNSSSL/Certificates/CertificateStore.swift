import Foundation
import Persistence
import PostgresNIO
import ServiceKit

/// The `certificates` table: every statement that writes it, for operators, issuance and renewal.
enum CertificateStore {
    /// Certificates by id or domain; `expiringWithin` days keeps the issued ones that expire
    /// by then, soonest first.
    static func listing(
        id: UUID?, domain: String?, expiringWithin days: Int? = nil, limit: Int, offset: Int, withPEM: Bool,
        in database: Database
    ) async throws -> [CertificateListing] {
        try await database.query(
            """
            SELECT id, account_id, domain, names, status, renews, serial, not_before, not_after, issued_at, last_error, challenge,
                   CASE WHEN \(withPEM) THEN certificate || coalesce(chain, '') END AS pem
            FROM certificates WHERE (\(id)::uuid IS NULL OR id = \(id)) AND (\(domain)::text IS NULL OR domain = \(domain?.lowercased()))
              AND (\(days)::int IS NULL OR (status = 'issued' AND not_after < now() + make_interval(days => \(days))))
            ORDER BY CASE WHEN \(days)::int IS NOT NULL THEN not_after END, created_at, id LIMIT \(limit) OFFSET \(offset)
            """
        ).map(CertificateListing.init(row:))
    }

    /// Starts a fresh certificate for the names of `id`, whose zone must be active, and
    /// queues its issuance; returns the new certificate's id, `nil` when there is none to redo.
    static func reissue(_ id: UUID, in transaction: Transaction) async throws -> UUID? {
        guard
            let row = try await transaction.query(
                """
                SELECT c.zone_id, c.account_id, c.domain, c.names FROM certificates c JOIN zones z ON z.id = c.zone_id AND z.status = 'active'
                WHERE c.id = \(id)
                """
            ).first
        else { return nil }
        let (zone, account, domain, names) = try row.decode((UUID, UUID, String, [String]).self)
        let fresh = UUID()
        try await transaction.query(
            """
            INSERT INTO certificates (id, zone_id, account_id, domain, names) VALUES (\(fresh), \(zone), \(account), \(domain), \(names))
            """)
        try await transaction.enqueue(IssueCertificateTask(certificateID: fresh), dedupeKey: "issue:\(fresh)")
        return fresh
    }

    /// Asks for a certificate for `names` of `domain` in `zone` (issued once the zone is in DNS).
    static func request(
        for zone: UUID, account: UUID, domain: String, names: [String], in transaction: Transaction
    ) async throws {
        try await transaction.query(
            """
            INSERT INTO certificates (id, zone_id, account_id, domain, names)
            VALUES (\(UUID()), \(zone), \(account), \(domain), \(names))
            """)
    }

    /// Closes the certificates of `account` that are still being issued or in use.
    static func close(of account: UUID, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            UPDATE certificates SET status = 'closed', updated_at = now() WHERE account_id = \(account) AND status IN ('pending', 'issued', 'failed')
            """)
    }

    /// The certificates of `zone` waiting for it to be in DNS.
    static func waiting(in zone: UUID, in transaction: Transaction) async throws -> [UUID] {
        try await transaction.query("SELECT id FROM certificates WHERE zone_id = \(zone) AND status = 'pending'")
            .map { try $0.decode(UUID.self) }
    }

    /// Marks a pending certificate failed for good; returns its account and domain, `nil`
    /// when it was no longer pending.
    static func fail(_ id: UUID, reason: String, in transaction: Transaction) async throws
        -> (account: UUID, domain: String)?
    {
        try await transaction.query(
            """
            UPDATE certificates SET status = 'failed', last_error = \(reason), updated_at = now()
            WHERE id = \(id) AND status = 'pending' RETURNING account_id, domain
            """
        ).first.map { try $0.decode((UUID, String).self) }
    }

    /// What issuing certificate `id` needs, with its zone's status; `nil` when there is none.
    static func toIssue(_ id: UUID, in database: Database) async throws -> PendingCertificate? {
        try await database.query(
            """
            SELECT c.status, c.names, c.domain, c.account_id, c.order_url, c.sealed_private_key, z.status AS zone_status,
                   z.nameservers
            FROM certificates c JOIN zones z ON z.id = c.zone_id WHERE c.id = \(id)
            """
        ).first.map(PendingCertificate.init(row:))
    }

    /// Records how the CA validates the certificate's names.
    static func setChallenge(_ type: String, of id: UUID, in database: Database) async throws {
        try await database.query("UPDATE certificates SET challenge = \(type), updated_at = now() WHERE id = \(id)")
    }

    /// Remembers the ACME order a certificate is being issued through, so a retry continues it.
    static func setOrder(_ url: String, of id: UUID, in database: Database) async throws {
        try await database.query("UPDATE certificates SET order_url = \(url), updated_at = now() WHERE id = \(id)")
    }

    /// Keeps `sealed` as the certificate's key unless it has one; returns the key it keeps,
    /// `nil` when the certificate is gone.
    static func keepKey(_ sealed: String, of id: UUID, in database: Database) async throws -> String? {
        try await database.query(
            """
            UPDATE certificates SET sealed_private_key = coalesce(sealed_private_key, \(sealed))
            WHERE id = \(id) RETURNING sealed_private_key
            """
        ).first?.decode(String.self)
    }

    /// Stores the issued certificate and retires the one it renews.
    static func issued(
        _ id: UUID, leaf: String, chain: String, facts: (notBefore: Date, notAfter: Date, serial: String),
        in transaction: Transaction
    ) async throws {
        try await transaction.query(
            """
            UPDATE certificates SET status = 'issued', certificate = \(leaf), chain = \(chain), serial = \(facts.serial),
                not_before = \(facts.notBefore), not_after = \(facts.notAfter), issued_at = now(), last_error = NULL, updated_at = now()
            WHERE id = \(id)
            """)
        try await transaction.query(
            """
            UPDATE certificates SET status = 'superseded', updated_at = now()
            WHERE id = (SELECT renews FROM certificates WHERE id = \(id)) AND status = 'issued'
            """)
    }
}

/// A certificate as its issuance reads it.
struct PendingCertificate: Sendable {
    let status: CertificateStatus
    let names: [String]
    let domain: String
    let accountID: UUID
    /// The ACME order of an earlier attempt.
    let orderURL: String?
    let sealedPrivateKey: String?
    let zoneStatus: ZoneStatus
    /// The name servers the zone is served from: a domain delegated to one of them is ours.
    let nameservers: [String]

    init(row: PostgresRow) throws {
        let cells = row.makeRandomAccess()
        status = try cells["status"].decode(CertificateStatus.self)
        names = try cells["names"].decode([String].self)
        domain = try cells["domain"].decode(String.self)
        accountID = try cells["account_id"].decode(UUID.self)
        orderURL = try cells["order_url"].decode(String?.self)
        sealedPrivateKey = try cells["sealed_private_key"].decode(String?.self)
        zoneStatus = try cells["zone_status"].decode(ZoneStatus.self)
        nameservers = try cells["nameservers"].decode([String].self)
    }
}
