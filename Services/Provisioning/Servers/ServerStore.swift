import ControlPanels
import Foundation
import Logging
import Persistence
import PostgresNIO
import Secrets

/// The `servers` table: registration, changes, and the least-full choice.
struct ServerStore: Sendable {
    let database: Database
    let cipher: CredentialCipher
    let logger: Logger

    static let columns: String = """
        s.id, s.name, s.panel, s.hostname, s.ip, s.api_url, s.api_username, s.server_group, s.max_accounts, s.status,
        s.nameservers, s.api_secret_sealed, s.live_accounts, s.health_checked_at, s.health_ok, s.health_error, s.health_failures
        """

    func all() async throws -> [Server] {
        try await database.query("SELECT \(unescaped: Self.columns) FROM servers s ORDER BY s.name").map(Self.decode)
    }

    /// Keeps what a health check of server `id` found; returns how many checks in a row have
    /// failed now (0 after one that passed).
    @discardableResult
    func recordHealth(_ id: UUID, healthy: Bool, error: String?) async throws -> Int {
        try await database.query(
            """
            UPDATE servers SET health_checked_at = now(), health_ok = \(healthy), health_error = \(error.map { String($0.prefix(500)) }),
                health_failures = CASE WHEN \(healthy) THEN 0 ELSE health_failures + 1 END
            WHERE id = \(id) RETURNING health_failures
            """
        ).first?.decode(Int.self) ?? 0
    }

    /// The panel accounts provisioning may have left on server `id` (``AccountStore/moveOff(_:from:)``).
    func strays(on id: UUID) async throws -> [(username: String, domain: String)] {
        try await database.query("SELECT username, domain FROM stray_accounts WHERE server_id = \(id)").map {
            try $0.decode((String, String).self)
        }
    }

    /// Forgets a stray once it is gone from the panel (or was never made).
    func forgetStray(_ username: String, on id: UUID) async throws {
        try await database.query("DELETE FROM stray_accounts WHERE server_id = \(id) AND username = \(username)")
    }

    func server(_ id: UUID) async throws -> Server? {
        try await database.query("SELECT \(unescaped: Self.columns) FROM servers s WHERE s.id = \(id)").first.map(
            Self.decode)
    }

    func server(_ id: UUID, on connection: PostgresConnection) async throws -> Server? {
        try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM servers s WHERE s.id = \(id)", logger: logger
        )
        .collect().first.map(Self.decode)
    }

    func create(_ new: ServersController.NewServer) async throws -> UUID {
        let id = UUID()
        let sealed = try cipher.seal(new.apiSecret)
        let rows = try await database.query(
            """
            INSERT INTO servers (id, name, panel, hostname, ip, api_url, api_username, api_secret_sealed, server_group,
                                 max_accounts, nameservers)
            VALUES (\(id), \(new.name), \(new.panel.rawValue), \(new.hostname), \(new.ip), \(new.apiURL), \(new.apiUsername),
                    \(sealed), \(new.group ?? "default"), \(new.maxAccounts), \(new.nameservers ?? []))
            ON CONFLICT (name) DO NOTHING RETURNING id
            """)
        guard !rows.isEmpty else { throw ServerRefusal.nameTaken(new.name) }
        return id
    }

    func update(_ id: UUID, _ change: ServersController.ServerChange) async throws -> Bool {
        let sealed = try change.apiSecret.map { try cipher.seal($0) }
        return try await !database.query(
            """
            UPDATE servers SET status = coalesce(\(change.status), status), max_accounts = coalesce(\(change.maxAccounts), max_accounts),
                api_url = coalesce(\(change.apiURL), api_url), api_username = coalesce(\(change.apiUsername), api_username),
                api_secret_sealed = coalesce(\(sealed), api_secret_sealed), nameservers = coalesce(\(change.nameservers), nameservers),
                updated_at = now()
            WHERE id = \(id) RETURNING id
            """
        ).isEmpty
    }

    /// Re-seals every credential not sealed under the current key (key rotation).
    func resealCredentials() async throws -> Int {
        var count = 0
        for row in try await database.query("SELECT id, api_secret_sealed FROM servers") {
            let (id, sealed) = try row.decode((UUID, String).self)
            guard cipher.needsRotation(sealed) else { continue }
            let resealed = try cipher.seal(try cipher.open(sealed))
            _ = try await database.query(
                "UPDATE servers SET api_secret_sealed = \(resealed) WHERE id = \(id) AND api_secret_sealed = \(sealed)")
            count += 1
        }
        return count
    }

    func delete(_ id: UUID) async throws -> Bool {
        try await database.transaction { [logger] connection in
            // Locked, so no placement can land on it between the check and the delete.
            guard
                let live = try await connection.query(
                    "SELECT live_accounts FROM servers WHERE id = \(id) FOR UPDATE",
                    logger: logger
                ).collect().first?.decode(Int.self)
            else { return false }
            guard live == 0 else {
                throw ServerRefusal.inUse(liveAccounts: live)
            }
            try await AccountStore.detach(from: id, on: connection, logger: logger)
            return try await !connection.query("DELETE FROM servers WHERE id = \(id) RETURNING id", logger: logger)
                .collect().isEmpty
        }
    }

    /// Reads a row of ``columns``.
    static func decode(_ row: PostgresRow) throws -> Server {
        let (
            id, name, panel, hostname, ip, url, user, group, max, status, nameservers, sealed, accounts, checkedAt,
            healthy, error, failures
        ) =
            try row.decode(
                (
                    UUID, String, String, String, String, String, String, String, Int, String, [String], String, Int,
                    Date?, Bool?, String?, Int
                ).self)
        return Server(
            id: id, name: name, panel: PanelKind(rawValue: panel) ?? .cpanel, hostname: hostname, ip: ip, apiURL: url,
            apiUsername: user, group: group, maxAccounts: max, status: status, nameservers: nameservers,
            accounts: accounts, sealedSecret: sealed,
            lastHealth: checkedAt.map { Server.HealthCheck(at: $0, healthy: healthy ?? false, error: error) },
            healthFailures: failures)
    }
}

/// Why the server list refused a change.
enum ServerRefusal: Error, Equatable {
    /// Another server has the name.
    case nameTaken(String)
    /// Accounts still live on the server.
    case inUse(liveAccounts: Int)
}
