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
        s.nameservers, s.api_secret_sealed, s.live_accounts, s.health_checked_at, s.health_ok, s.health_error
        """

    func all() async throws -> [Server] {
        try await database.query("SELECT \(unescaped: Self.columns) FROM servers s ORDER BY s.name").map(Self.decode)
    }

    /// Keeps what a health check of server `id` found.
    func recordHealth(_ id: UUID, healthy: Bool, error: String?) async throws {
        try await database.query(
            """
            UPDATE servers SET health_checked_at = now(), health_ok = \(healthy), health_error = \(error.map { String($0.prefix(500)) })
            WHERE id = \(id)
            """)
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

    /// Places account `id` on the active server of `group` with the lowest share of its
    /// capacity in use and room left, under the first of `usernames` free there (else
    /// `fallback`), in one statement; returns the server and the username, or `nil` when
    /// nothing was placed (no server has room, or the account was placed already).
    ///
    /// Racing placements wait for the chosen server row's lock, and Postgres then checks the
    /// row's new version against `live_accounts < max_accounts` again (kept by a trigger as
    /// the account is placed), passing over a server that filled up meanwhile: a server's
    /// last room goes to one placement only. The usernames are read in the statement's
    /// snapshot, taken before such a wait, so a racer that just took the same name makes
    /// the unique index refuse this one; it is tried again with a fresh snapshot (each
    /// refusal means a racer was placed, so this ends).
    func place(
        _ id: UUID, in group: String, usernames: [String], fallback: String,
        sealedPassword: String
    ) async throws -> (server: Server, username: String)? {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await database.run(
                    PlaceAccount(
                        id: id, group: group, usernames: usernames, fallback: fallback, sealedPassword: sealedPassword)
                ).first.map { row in
                    let columns = row.makeRandomAccess()
                    return (try Self.decode(row), try columns[columns.count - 1].decode(String.self))
                }
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" && attempt < 20 {
                continue
            }
        }
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
            try await connection.query("UPDATE accounts SET server_id = NULL WHERE server_id = \(id)", logger: logger)
            return try await !connection.query("DELETE FROM servers WHERE id = \(id) RETURNING id", logger: logger)
                .collect().isEmpty
        }
    }

    private static func decode(_ row: PostgresRow) throws -> Server {
        let (
            id, name, panel, hostname, ip, url, user, group, max, status, nameservers, sealed, accounts, checkedAt,
            healthy, error
        ) =
            try row.decode(
                (
                    UUID, String, String, String, String, String, String, String, Int, String, [String], String, Int,
                    Date?, Bool?, String?
                ).self)
        return Server(
            id: id, name: name, panel: PanelKind(rawValue: panel) ?? .cpanel, hostname: hostname, ip: ip, apiURL: url,
            apiUsername: user, group: group, maxAccounts: max, status: status, nameservers: nameservers,
            accounts: accounts, sealedSecret: sealed,
            lastHealth: checkedAt.map { Server.HealthCheck(at: $0, healthy: healthy ?? false, error: error) })
    }
}

extension ServerStore {
    /// The placement ``place(_:in:usernames:fallback:sealedPassword:)`` makes, as one statement.
    struct PlaceAccount: PreparedStatement {
        static let sql = Self(id: UUID(), group: "", usernames: [], fallback: "", sealedPassword: "").query.sql
        var id: UUID
        var group: String
        var usernames: [String]
        var fallback: String
        var sealedPassword: String

        var query: PostgresQuery {
            """
            WITH chosen AS (
                SELECT \(unescaped: ServerStore.columns) FROM servers s
                WHERE s.server_group = \(group) AND s.status = 'active' AND s.live_accounts < s.max_accounts
                ORDER BY s.live_accounts::float / s.max_accounts, s.name
                LIMIT 1 FOR UPDATE
            ), free AS (
                SELECT c.name FROM chosen, unnest(\(usernames)::text[]) WITH ORDINALITY AS c(name, n)
                WHERE NOT EXISTS (
                    SELECT 1 FROM accounts a
                    WHERE a.server_id = chosen.id AND a.username IS NOT NULL AND a.status <> 'terminated'
                      AND a.id <> \(id) AND left(a.username, 8) = left(c.name, 8))
                ORDER BY c.n LIMIT 1
            )
            UPDATE accounts SET server_id = chosen.id, username = coalesce(free.name, \(fallback)),
                password_sealed = \(sealedPassword), step = 'create', updated_at = now()
            FROM chosen LEFT JOIN free ON true
            WHERE accounts.id = \(id) AND accounts.step = 'server'
            RETURNING chosen.*, accounts.username
            """
        }
    }
}

/// Why the server list refused a change.
enum ServerRefusal: Error, Equatable {
    /// Another server has the name.
    case nameTaken(String)
    /// Accounts still live on the server.
    case inUse(liveAccounts: Int)
}
