import Foundation
import Hummingbird
import Persistence
import PostgresNIO

/// hummingbird-auth's session storage in the portal's schema: sessions survive restarts and
/// are shared by every portal instance.
///
/// Rows are keyed by the SHA-256 of the cookie's value, so a copy of the table opens no
/// session, and carry the person's id, so one person's sessions can be listed and ended.
/// Customers' and staff's sessions share the table, apart by ``Kind``: a store reads and
/// writes only its own kind, so one kind's cookie never opens the other's session.
struct PostgresSessionStore: PersistDriver {
    let database: Database
    var kind = Kind.customer

    enum Kind: String, Sendable {
        case customer, staff
    }

    func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        // Expired sessions go as new ones come: the table holds live ones and a day's worth more.
        _ = try await database.query("DELETE FROM sessions WHERE expires_at < now() - interval '1 day'")
        let rows = try await database.query(
            """
            INSERT INTO sessions (key_hash, kind, person_id, staff_id, value, expires_at)
            VALUES (\(SecretDigest.hex(key)), \(kind.rawValue), \(Self.person(value)), \(Self.staff(value)), \(try Self.json(value))::jsonb,
                    \(Self.expiry(expires)))
            ON CONFLICT (key_hash) DO NOTHING RETURNING 1
            """)
        if rows.isEmpty { throw PersistError.duplicate }
    }

    func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        _ = try await database.query(
            """
            INSERT INTO sessions (key_hash, kind, person_id, staff_id, value, expires_at)
            VALUES (\(SecretDigest.hex(key)), \(kind.rawValue), \(Self.person(value)), \(Self.staff(value)), \(try Self.json(value))::jsonb,
                    \(Self.expiry(expires)))
            ON CONFLICT (key_hash) DO UPDATE SET person_id = excluded.person_id, staff_id = excluded.staff_id, value = excluded.value,
                expires_at = coalesce(excluded.expires_at, sessions.expires_at)
            WHERE sessions.kind = excluded.kind
            """)
    }

    func get<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> Object? {
        try await getWithTTL(key: key, as: type)?.object
    }

    func getWithTTL<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> (
        object: Object, ttl: Duration?
    )? {
        guard
            let row = try await database.query(
                """
                SELECT value::text, extract(epoch FROM expires_at - now())::float8 FROM sessions
                WHERE key_hash = \(SecretDigest.hex(key)) AND kind = \(kind.rawValue) AND (expires_at IS NULL OR expires_at > now())
                """
            ).first
        else { return nil }
        let (json, seconds) = try row.decode((String, Double?).self)
        do {
            let object = try JSONDecoder().decode(type, from: Data(json.utf8))
            return (object, seconds.map { .seconds(max(0, $0)) })
        } catch {
            throw PersistError.invalidConversion
        }
    }

    func remove(key: String) async throws {
        _ = try await database.query(
            "DELETE FROM sessions WHERE key_hash = \(SecretDigest.hex(key)) AND kind = \(kind.rawValue)")
    }

    /// The live sessions of `person`, newest first, each with its key's hash.
    func sessions(of person: UUID) async throws -> [(keyHash: String, session: PortalSession, expiresAt: Date?)] {
        try await database.query(
            """
            SELECT key_hash, value::text, expires_at FROM sessions
            WHERE person_id = \(person) AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at DESC
            """
        ).compactMap { row in
            let (hash, json, expires) = try row.decode((String, String, Date?).self)
            guard let session = try? JSONDecoder().decode(PortalSession.self, from: Data(json.utf8)) else { return nil }
            return (hash, session, expires)
        }
    }

    /// The live console sessions of staff member `staff`, newest first.
    func sessions(ofStaff staff: UUID) async throws -> [(keyHash: String, session: StaffSession, expiresAt: Date?)] {
        try await database.query(
            """
            SELECT key_hash, value::text, expires_at FROM sessions
            WHERE kind = 'staff' AND staff_id = \(staff) AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at DESC
            """
        ).compactMap { row in
            let (hash, json, expires) = try row.decode((String, String, Date?).self)
            guard let session = try? JSONDecoder().decode(StaffSession.self, from: Data(json.utf8)) else { return nil }
            return (hash, session, expires)
        }
    }

    /// Ends every console session of `staff` but the one whose key hashes to `keeping`.
    func removeAll(ofStaff staff: UUID, keeping: String? = nil) async throws {
        _ = try await database.query(Self.removingAll(ofStaff: staff, keeping: keeping))
    }

    /// Ends every session of `person` but the one whose key hashes to `keeping`.
    func removeAll(of person: UUID, keeping: String? = nil) async throws {
        _ = try await database.query(Self.removingAll(of: person, keeping: keeping))
    }

    /// The statement that ends every console session of `staff` but `keeping`'s, for a
    /// repository to run in the transaction of the change that ends them.
    static func removingAll(ofStaff staff: UUID, keeping: String? = nil) -> PostgresQuery {
        """
        DELETE FROM sessions WHERE kind = 'staff' AND staff_id = \(staff) AND (\(keeping)::text IS NULL OR key_hash <> \(keeping))
        """
    }

    /// The statement that ends every session of `person` but `keeping`'s (see ``removingAll(ofStaff:keeping:)``).
    static func removingAll(of person: UUID, keeping: String? = nil) -> PostgresQuery {
        """
        DELETE FROM sessions WHERE person_id = \(person) AND (\(keeping)::text IS NULL OR key_hash <> \(keeping))
        """
    }

    private static func person(_ value: some Codable & Sendable) -> UUID? {
        (value as? PortalSession)?.personID
    }

    private static func staff(_ value: some Codable & Sendable) -> UUID? {
        (value as? StaffSession)?.staffID
    }

    private static func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    private static func expiry(_ duration: Duration?) -> Date? {
        duration.map { Date().addingTimeInterval(Double($0.components.seconds)) }
    }
}
