import Contracts
import ControlPanels
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceKit

/// The `backups` table.
struct BackupStore: Sendable {
    let database: Database

    /// A product's retention and schedule, clamped: a catalog value cannot make a cast trap.
    static let retentionDays =
        "LEAST(GREATEST(COALESCE((a.limits->>'backup_retention_days')::numeric, 30), 1), 3650)::int"
    static let everyDays = "LEAST(GREATEST(COALESCE((a.limits->>'backup_every_days')::numeric, 1), 0), 365)::int"

    func backup(_ id: UUID) async throws -> Backup? {
        try await database.query("SELECT \(unescaped: Backup.columns) FROM backups WHERE id = \(id)").first.map(
            Backup.init(row:))
    }

    /// The account's backups, newest first.
    func backups(of account: UUID, limit: Int) async throws -> [Backup] {
        try await database.query(
            """
            SELECT \(unescaped: Backup.columns) FROM backups WHERE account_id = \(account)
            ORDER BY requested_at DESC, id LIMIT \(limit)
            """
        ).map(Backup.init(row:))
    }

    /// Adds a backup of the account on its server, asked for now and expiring after the
    /// product's retention; `nil` when the account is not on a server.
    static func insert(
        id: UUID, account: UUID, kind: BackupKind, requestedBy: String?, in transaction: Transaction
    ) async throws -> UUID? {
        try await transaction.query(
            """
            INSERT INTO backups (id, account_id, server_id, kind, requested_at, expires_at, requested_by)
            SELECT \(id), a.id, a.server_id, \(kind.rawValue), now(),
                   now() + make_interval(days => \(unescaped: retentionDays)), \(requestedBy)
            FROM accounts a WHERE a.id = \(account) AND a.server_id IS NOT NULL AND a.username IS NOT NULL
            RETURNING id
            """
        ).first.map { try $0.decode(UUID.self) }
    }

    /// Whether an on-demand backup of the account is still being made.
    static func manualInProgress(of account: UUID, in transaction: Transaction) async throws -> Bool {
        try await !transaction.query(
            """
            SELECT 1 FROM backups WHERE account_id = \(account) AND kind = 'manual' AND status IN ('queued', 'running')
            """
        ).isEmpty
    }

    /// How many backups of the account `actor` asked for in the last 24 hours.
    static func askedToday(of account: UUID, by actor: String, on runner: some QueryRunning) async throws -> Int {
        try await runner.query(
            """
            SELECT count(*)::int FROM backups WHERE account_id = \(account) AND kind = 'manual'
              AND requested_by = \(actor) AND requested_at > now() - interval '1 day'
            """
        ).first?.decode(Int.self) ?? 0
    }

    /// Adds the day's scheduled backup of every live account due on its product's schedule
    /// (none in the last `backup_every_days` days), at most one per account and day; the new ids.
    static func scheduleDue(day: String, slot: Date, in transaction: Transaction) async throws -> [UUID] {
        try await transaction.query(
            """
            INSERT INTO backups (id, account_id, server_id, kind, day, requested_at, expires_at)
            SELECT gen_random_uuid(), a.id, a.server_id, 'scheduled', \(day)::date, \(slot),
                   \(slot)::timestamptz + make_interval(days => \(unescaped: retentionDays))
            FROM accounts a
            WHERE a.status IN ('active', 'suspended') AND a.server_id IS NOT NULL AND a.username IS NOT NULL
              AND \(unescaped: everyDays) > 0
              AND NOT EXISTS (
                  SELECT 1 FROM backups b WHERE b.account_id = a.id AND b.kind = 'scheduled'
                    AND b.day > \(day)::date - \(unescaped: everyDays))
            ON CONFLICT (account_id, day) WHERE kind = 'scheduled' DO NOTHING
            RETURNING id
            """
        ).map { try $0.decode(UUID.self) }
    }

    /// Takes one of the server's `limit` backup slots for a run of the backup (again, when
    /// its earlier claim never reached the panel); `false` when all are taken.
    func claim(_ id: UUID, server: UUID, limit: Int) async throws -> Bool {
        try await database.transaction { connection in
            let logger = Logger(label: "backups")
            // One claim at a time per server, so two workers cannot both take the last slot.
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtextextended(\(server.uuidString), 7))", logger: logger)
            let claimed = try await connection.query(
                """
                UPDATE backups SET status = 'running', started_at = now(), attempts = attempts + 1, last_error = NULL
                WHERE id = \(id) AND panel_job IS NULL
                  AND (status = 'running' OR (status = 'queued' AND (
                      SELECT count(*) FROM backups WHERE server_id = \(server) AND status = 'running') < \(limit)))
                RETURNING id
                """, logger: logger
            ).collect()
            return !claimed.isEmpty
        }
    }

    /// Records the panel's handle of the run just started.
    func started(_ id: UUID, job: String) async throws {
        try await database.query("UPDATE backups SET panel_job = \(job) WHERE id = \(id)")
    }

    /// A run that failed on the panel: the slot is given back and the next attempt starts anew.
    func runFailed(_ id: UUID, reason: String) async throws {
        try await database.query(
            """
            UPDATE backups SET status = 'queued', panel_job = NULL, last_error = \(reason)
            WHERE id = \(id) AND status = 'running'
            """)
    }

    /// Marks the backup completed with its archive; the backup as it is now.
    static func complete(_ id: UUID, archive: PanelArchive, in transaction: Transaction) async throws -> Backup? {
        try await transaction.query(
            """
            UPDATE backups SET status = 'completed', location = \(archive.location), size_mb = \(archive.sizeMB),
                   completed_at = now(), panel_job = NULL, last_error = NULL
            WHERE id = \(id) AND status IN ('queued', 'running')
            RETURNING \(unescaped: Backup.columns)
            """
        ).first.map(Backup.init(row:))
    }

    /// Gives the backup up; the backup as it is now, `nil` when it had ended already.
    static func fail(_ id: UUID, reason: String, in transaction: Transaction) async throws -> Backup? {
        try await transaction.query(
            """
            UPDATE backups SET status = 'failed', panel_job = NULL, last_error = \(reason)
            WHERE id = \(id) AND status IN ('queued', 'running')
            RETURNING \(unescaped: Backup.columns)
            """
        ).first.map(Backup.init(row:))
    }

    /// Completed backups past their expiry at `moment`.
    static func expired(at moment: Date, in transaction: Transaction) async throws -> [UUID] {
        try await transaction.query(
            "SELECT id FROM backups WHERE status = 'completed' AND expires_at <= \(moment) ORDER BY expires_at, id"
        ).map { try $0.decode(UUID.self) }
    }

    static func markDeleted(_ id: UUID, in transaction: Transaction) async throws {
        try await transaction.query(
            "UPDATE backups SET status = 'deleted', deleted_at = now() WHERE id = \(id) AND status = 'completed'")
    }
}
