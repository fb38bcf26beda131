import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceKit

/// The `accounts` table.
struct AccountStore: Sendable {
    let database: Database
    let logger: Logger

    static let columns = """
        id, order_id, customer_id, customer_name, contact_email, domain, plan, server_group, server_id, username, status,
        suspend_reason, step, last_error, created_at, provisioned_at, password_sealed, limits::text
        """

    /// Inserts the account for an order, once; returns its id, or `nil` when the order has one.
    static func insert(_ request: AccountRequest, on connection: PostgresConnection, logger: Logger) async throws
        -> UUID?
    {
        let id = UUID()
        let rows = try await connection.run(InsertAccount(id: id, request: request), logger: logger)
        return rows.isEmpty ? nil : id
    }

    func account(_ id: UUID) async throws -> Account? {
        try await database.run(AccountByID(id: id)).first.map(Account.init(row:))
    }

    func accounts(status: AccountStatus?, customer: UUID? = nil, limit: Int, offset: Int) async throws -> [Account] {
        try await database.query(
            """
            SELECT \(unescaped: Self.columns) FROM accounts WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
              AND (\(customer)::uuid IS NULL OR customer_id = \(customer))
            ORDER BY created_at DESC, id LIMIT \(limit) OFFSET \(offset)
            """
        ).map(Account.init(row:))
    }

    /// Records the step reached; only the panel account's creation is recorded, since it
    /// decides whether a final failure has something on the panel to roll back.
    func advance(_ id: UUID, to step: ProvisioningStep) async throws {
        try await database.run(AdvanceAccount(id: id, step: step.rawValue))
    }

    func setPassword(_ id: UUID, sealed: String) async throws {
        _ = try await database.query(
            "UPDATE accounts SET password_sealed = \(sealed), updated_at = now() WHERE id = \(id)")
    }

    func counts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try await database.query("SELECT status, count(*)::int FROM accounts GROUP BY status") {
            let (status, count) = try row.decode((String, Int).self)
            counts[status] = count
        }
        return counts
    }

    /// Marks an account failed with the error that stopped it (a manual run that did not finish).
    func markFailed(_ id: UUID, error: String) async throws {
        try await database.query(
            """
            UPDATE accounts SET status = 'failed', last_error = \(error), updated_at = now() WHERE id = \(id)
            """)
    }

    /// Per day (UTC): accounts provisioned, how long they took from order to active (p50,
    /// p95), and tasks that failed for good.
    func daily(_ window: StatsWindow) async throws -> [DailyProvisioning] {
        try await database.query(
            """
            WITH \(unescaped: window.daysSQL)
            SELECT day::text,
                   (SELECT count(*)::int FROM accounts a WHERE a.provisioned_at >= s AND a.provisioned_at < s + interval '1 day'),
                   (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.provisioned_at - a.created_at))
                      FROM accounts a WHERE a.provisioned_at >= s AND a.provisioned_at < s + interval '1 day')::float8,
                   (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM a.provisioned_at - a.created_at))
                      FROM accounts a WHERE a.provisioned_at >= s AND a.provisioned_at < s + interval '1 day')::float8,
                   (SELECT count(*)::int FROM tasks t WHERE t.status = 'failed' AND t.updated_at >= s AND t.updated_at < s + interval '1 day')
            FROM days ORDER BY day
            """
        ).map { row in
            let (day, provisioned, p50, p95, failed) = try row.decode((String, Int, Double?, Double?, Int).self)
            return DailyProvisioning(
                day: day, provisioned: provisioned, p50Seconds: p50, p95Seconds: p95, failed: failed)
        }
    }

    /// The accounts of `customer`, newest first, as their owner sees them, with the last
    /// measured day of each.
    func owned(by customer: UUID, limit: Int, offset: Int) async throws -> [CustomerAccount] {
        try await database.query(
            """
            SELECT a.id, a.order_id, a.domain, a.plan, a.status, a.step, s.hostname, s.panel, a.username, a.suspend_reason,
                   a.created_at, a.provisioned_at, u.day::text, u.disk_mb, u.disk_limit_mb, u.bandwidth_mb, u.bandwidth_limit_mb,
                   b.kept, b.latest
            FROM accounts a LEFT JOIN servers s ON s.id = a.server_id
            LEFT JOIN LATERAL (SELECT * FROM account_usage x WHERE x.account_id = a.id ORDER BY x.day DESC LIMIT 1) u ON true
            LEFT JOIN LATERAL (
                SELECT count(*)::int AS kept, max(completed_at) AS latest FROM backups
                WHERE account_id = a.id AND status = 'completed') b ON true
            WHERE a.customer_id = \(customer)
            ORDER BY a.created_at DESC, a.id LIMIT \(limit) OFFSET \(offset)
            """
        ).map { row in
            let (
                id, order, domain, plan, status, step, server, panel, username, reason, created, provisioned, day, disk,
                diskLimit, bandwidth, bandwidthLimit, kept, latest
            ) = try row.decode(
                (
                    UUID, UUID?, String, String, AccountStatus, ProvisioningStep, String?, String?, String?,
                    String?, Date, Date?, String?, Int?, Int?, Int?, Int?, Int, Date?
                ).self)
            let usage = day.map {
                AccountUsageDay(
                    day: $0, diskMB: disk ?? 0, diskLimitMB: diskLimit, bandwidthMB: bandwidth ?? 0,
                    bandwidthLimitMB: bandwidthLimit)
            }
            return CustomerAccount(
                id: id, orderID: order, domain: domain, plan: plan, status: status, step: step, server: server,
                controlPanel: panel, username: username, suspendReason: reason, createdAt: created,
                provisionedAt: provisioned, usage: usage,
                backups: AccountBackupSummary(kept: kept, latestAt: latest))
        }
    }

    /// Gives an account another panel username (the one it had was taken on its panel).
    func rename(_ id: UUID, to username: String) async throws {
        try await database.query("UPDATE accounts SET username = \(username), updated_at = now() WHERE id = \(id)")
    }

    /// Takes a placed account off `server`, which stopped answering before the panel account
    /// was known to exist, so it is placed again elsewhere; the name it had there is kept as
    /// a stray, removed if the panel made it after all once the server answers again.
    /// `false` when the account had moved on meanwhile.
    func moveOff(_ account: Account, from server: UUID) async throws -> Bool {
        try await database.transaction { [logger] connection in
            let moved = try await connection.query(
                """
                UPDATE accounts SET step = 'server', server_id = NULL, username = NULL, updated_at = now()
                WHERE id = \(account.id) AND server_id = \(server) AND step = 'create' AND status = 'provisioning'
                RETURNING id
                """, logger: logger
            ).collect()
            guard !moved.isEmpty, let username = account.username else { return false }
            try await connection.query(
                """
                INSERT INTO stray_accounts (server_id, username, domain, account_id)
                VALUES (\(server), \(username), \(account.domain), \(account.id)) ON CONFLICT DO NOTHING
                """, logger: logger)
            return true
        }
    }

    /// Puts a failed account back into provisioning, for an operator's retry.
    static func restartProvisioning(_ id: UUID, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            UPDATE accounts SET status = 'provisioning', last_error = NULL, updated_at = now()
            WHERE id = \(id) AND status = 'failed'
            """)
    }

    /// Forgets a failed account's server and username: a retry places it again.
    static func resetPlacement(of id: UUID, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            UPDATE accounts SET step = 'server', server_id = NULL, username = NULL, updated_at = now()
            WHERE id = \(id) AND status = 'failed'
            """)
    }

    /// Marks a provisioning account failed for good; returns its order and the step it
    /// reached, `nil` when it was not provisioning.
    static func failProvisioning(_ id: UUID, reason: String, in transaction: Transaction) async throws
        -> (orderID: UUID?, step: ProvisioningStep)?
    {
        try await transaction.query(
            """
            UPDATE accounts SET status = 'failed', last_error = \(reason), updated_at = now()
            WHERE id = \(id) AND status = 'provisioning' RETURNING order_id, step
            """
        ).first.map { try $0.decode((UUID?, ProvisioningStep).self) }
    }

    /// Holds the account's row until the transaction ends: requests about one account in turn.
    static func lock(_ id: UUID, in transaction: Transaction) async throws {
        try await transaction.query("SELECT 1 FROM accounts WHERE id = \(id) FOR UPDATE")
    }

    static func setStatus(_ status: AccountStatus, reason: String?, of id: UUID, in transaction: Transaction)
        async throws
    {
        try await transaction.query(
            """
            UPDATE accounts SET status = \(status), suspend_reason = \(reason), updated_at = now() WHERE id = \(id)
            """)
    }

    /// The new package, and the new product's limits where the change carried them.
    static func setPlan(_ plan: String, limits: AccountLimits?, of id: UUID, in transaction: Transaction) async throws {
        let json = try limits.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try await transaction.query(
            """
            UPDATE accounts SET plan = \(plan), limits = coalesce(\(json)::text::jsonb, limits), updated_at = now()
            WHERE id = \(id)
            """)
    }

    /// Records the certificate installed on the account's panel.
    /// Forgets the name and address of an erased customer on their (ended) accounts; the
    /// accounts themselves stay, as the record of what was hosted.
    static func forget(customer: UUID, placeholder: String, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            UPDATE accounts SET customer_name = 'Erased customer', contact_email = \(placeholder), updated_at = now()
            WHERE customer_id = \(customer)
            """)
    }

    static func setCertificate(_ certificate: UUID, of id: UUID, in transaction: Transaction) async throws {
        try await transaction.query(
            "UPDATE accounts SET certificate_id = \(certificate), updated_at = now() WHERE id = \(id)")
    }
}

// The statements each account's provisioning runs, prepared once per connection.
extension AccountStore {
    /// Inserts an order's account unless the order has one.
    struct InsertAccount: PreparedStatement {
        static let sql = Self(
            id: UUID(),
            request: AccountRequest(
                orderID: UUID(), customerID: UUID(), customerName: "",
                contactEmail: "", domain: "", plan: "", group: "", limits: nil)
        ).query.sql
        var id: UUID
        var request: AccountRequest

        var query: PostgresQuery {
            """
            INSERT INTO accounts (id, order_id, customer_id, customer_name, contact_email, domain, plan, server_group, limits)
            VALUES (\(id), \(request.orderID), \(request.customerID), \(request.customerName), \(request.contactEmail),
                    \(request.domain), \(request.plan), \(request.group), \(request.limitsJSON)::text::jsonb)
            ON CONFLICT DO NOTHING RETURNING id
            """
        }
    }

    /// One account, all of ``AccountStore/columns``.
    struct AccountByID: PreparedStatement {
        static let sql = Self(id: UUID()).query.sql
        var id: UUID
        var query: PostgresQuery { "SELECT \(unescaped: AccountStore.columns) FROM accounts WHERE id = \(id)" }
    }

    /// Records the provisioning step an account has reached.
    struct AdvanceAccount: PreparedStatement {
        static let sql = Self(id: UUID(), step: "").query.sql
        var id: UUID
        var step: String
        var query: PostgresQuery { "UPDATE accounts SET step = \(step), updated_at = now() WHERE id = \(id)" }
    }

    /// Marks a provisioning account active; returns its id, or nothing if it was marked already.
    struct MarkProvisioned: PreparedStatement {
        static let sql = Self(id: UUID()).query.sql
        var id: UUID

        var query: PostgresQuery {
            """
            UPDATE accounts SET status = 'active', step = 'done', provisioned_at = now(), last_error = NULL, updated_at = now()
            WHERE id = \(id) AND status = 'provisioning' RETURNING id
            """
        }
    }
}

/// A status or step in `accounts` this build does not know (the table's CHECK should refuse it).

/// One day of provisioning.
struct DailyProvisioning: Encodable, Sendable {
    let day: String, provisioned: Int, p50Seconds: Double?, p95Seconds: Double?, failed: Int
    enum CodingKeys: String, CodingKey {
        case day, provisioned
        case p50Seconds = "p50_seconds"
        case p95Seconds = "p95_seconds"
        case failed
    }
}
