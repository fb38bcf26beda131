import Foundation
import Persistence
import PortalTokens
import PostgresNIO

/// Staff's API keys in the portal's schema: created (hash kept, key shown once), listed,
/// revoked, and exchanged for a staff token.
struct StaffAPIKeys: Sendable {
    let database: Database

    enum Refusal: Error, Equatable {
        /// A network in the allow-list is not CIDR notation.
        case invalidNetwork(String)
    }

    /// Stores a key for `staff`; answers the key in clear, which is not kept.
    func create(for staff: UUID, name: String, scopes: [StaffPermission], allowedNetworks: [String]) async throws -> (
        StaffAPIKey, String
    ) {
        for network in allowedNetworks {
            let valid = try? await database.query("SELECT \(network)::cidr::text")
            if valid == nil { throw Refusal.invalidNetwork(network) }
        }
        let key = StaffAPIKey.newKey()
        let row = try await database.query(
            """
            INSERT INTO staff_api_keys (id, staff_id, name, prefix, key_hash, scopes, allowed_networks)
            VALUES (\(UUID()), \(staff), \(name), \(String(key.prefix(12))), \(SecretDigest.hex(key)), \(scopes.map(\.rawValue)),
                    \(allowedNetworks)::cidr[])
            RETURNING \(unescaped: Self.columns)
            """
        ).first!
        return (try Self.decode(row), key)
    }

    func keys(of staff: UUID) async throws -> [StaffAPIKey] {
        try await database.query(
            """
            SELECT \(unescaped: Self.columns) FROM staff_api_keys WHERE staff_id = \(staff) ORDER BY created_at DESC
            """
        ).map(Self.decode)
    }

    /// Revokes one of `staff`'s keys; `false` when they have no such live key.
    func revoke(_ id: UUID, of staff: UUID) async throws -> Bool {
        try await !database.query(
            """
            UPDATE staff_api_keys SET revoked_at = now() WHERE id = \(id) AND staff_id = \(staff) AND revoked_at IS NULL RETURNING id
            """
        ).isEmpty
    }

    /// Who a key acts for, and what it may do within their role.
    struct Holder: Sendable {
        let staffID: UUID, email: String, role: StaffRole, scopes: [StaffPermission]
    }

    /// The holder of live key `key` used from `address`; `nil` for an unknown or revoked key,
    /// a disabled owner, or an address outside the key's networks.
    func use(_ key: String, from address: String) async throws -> Holder? {
        guard key.hasPrefix("hwk_"), key.count < 100 else { return nil }
        let inet: String? =
            (try? await database.query("SELECT \(address)::inet::text").first?.decode(String.self)) ?? nil
        guard
            let row = try await database.query(
                """
                UPDATE staff_api_keys k SET last_used_at = now()
                FROM staff s
                WHERE k.key_hash = \(SecretDigest.hex(key)) AND k.revoked_at IS NULL AND s.id = k.staff_id AND s.disabled_at IS NULL
                  AND (cardinality(k.allowed_networks) = 0 OR \(inet)::inet <<= ANY (k.allowed_networks))
                RETURNING k.staff_id, s.email, s.role, k.scopes
                """
            ).first
        else { return nil }
        let (staff, email, role, scopes) = try row.decode((UUID, String, String, [String]).self)
        guard let role = StaffRole(rawValue: role) else { return nil }
        return Holder(
            staffID: staff, email: email, role: role, scopes: scopes.compactMap(StaffPermission.init(rawValue:)))
    }

    private static let columns =
        "id, staff_id, name, prefix, scopes, allowed_networks::text[], created_at, last_used_at, revoked_at"

    private static func decode(_ row: PostgresRow) throws -> StaffAPIKey {
        let (id, staff, name, prefix, scopes, networks, created, used, revoked) =
            try row.decode((UUID, UUID, String, String, [String], [String], Date, Date?, Date?).self)
        return StaffAPIKey(
            id: id, staffID: staff, name: name, prefix: prefix,
            scopes: scopes.compactMap(StaffPermission.init(rawValue:)),
            allowedNetworks: networks, createdAt: created, lastUsedAt: used, revokedAt: revoked)
    }
}
