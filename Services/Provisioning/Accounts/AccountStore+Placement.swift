import Foundation
import Logging
import Persistence
import PostgresNIO

extension AccountStore {
    /// Places account `id` on the active, healthy server of `group` with the lowest share of
    /// its capacity in use and room left, under the first of `usernames` free there (else
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
        sealedPassword: String, unhealthyAfter: Int
    ) async throws -> (server: Server, username: String)? {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await database.run(
                    PlaceAccount(
                        id: id, group: group, usernames: usernames, fallback: fallback, sealedPassword: sealedPassword,
                        unhealthyAfter: unhealthyAfter)
                ).first.map { row in
                    let columns = row.makeRandomAccess()
                    return (try ServerStore.decode(row), try columns[columns.count - 1].decode(String.self))
                }
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" && attempt < 20 {
                continue
            }
        }
    }

    /// Leaves every account on `server` without one (the server is being removed).
    static func detach(from server: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE accounts SET server_id = NULL WHERE server_id = \(server)", logger: logger)
    }
}

extension AccountStore {
    /// The placement ``place(_:in:usernames:fallback:sealedPassword:unhealthyAfter:)`` makes, as one statement.
    struct PlaceAccount: PreparedStatement {
        static let sql = Self(
            id: UUID(), group: "", usernames: [], fallback: "", sealedPassword: "", unhealthyAfter: 0
        ).query.sql
        var id: UUID
        var group: String
        var usernames: [String]
        var fallback: String
        var sealedPassword: String
        var unhealthyAfter: Int

        var query: PostgresQuery {
            """
            WITH chosen AS (
                SELECT \(unescaped: ServerStore.columns) FROM servers s
                WHERE s.server_group = \(group) AND s.status = 'active' AND s.live_accounts < s.max_accounts
                  AND s.health_failures < \(unhealthyAfter)
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
