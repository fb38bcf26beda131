import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// The `accounts` table.
struct AccountStore: Sendable {
    let database: Database
    let logger: Logger

    static let columns = """
        id, order_id, customer_id, customer_name, contact_email, domain, plan, server_group, server_id, username, status,
        suspend_reason, step, last_error, created_at, provisioned_at, password_sealed
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
        try await database.run(AccountByID(id: id)).first.map(Self.decode)
    }

    func accounts(status: AccountStatus?, customer: UUID? = nil, limit: Int, offset: Int) async throws -> [Account] {
        try await database.query(
            """
            SELECT \(unescaped: Self.columns) FROM accounts WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
              AND (\(customer)::uuid IS NULL OR customer_id = \(customer))
            ORDER BY created_at DESC, id LIMIT \(limit) OFFSET \(offset)
            """
        ).map(Self.decode)
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

    static func decode(_ row: PostgresRow) throws -> Account {
        let (
            id, order, customer, name, email, domain, plan, group, server, username, status, reason, step, error,
            created,
            provisioned, sealed
        ) =
            try row.decode(
                (
                    UUID, UUID?, UUID?, String, String, String, String, String, UUID?, String?, String, String?, String,
                    String?, Date, Date?, String?
                ).self)
        guard let status = AccountStatus(rawValue: status) else { throw UnknownAccountStatus(value: status) }
        guard let step = ProvisioningStep(rawValue: step) else { throw UnknownAccountStatus(value: step) }
        return Account(
            id: id, orderID: order, customerID: customer, customerName: name, contactEmail: email, domain: domain,
            plan: plan, group: group, serverID: server, username: username, status: status, suspendReason: reason,
            step: step, lastError: error, createdAt: created, provisionedAt: provisioned, passwordSealed: sealed)
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
                contactEmail: "", domain: "", plan: "", group: "")
        ).query.sql
        var id: UUID
        var request: AccountRequest

        var query: PostgresQuery {
            """
            INSERT INTO accounts (id, order_id, customer_id, customer_name, contact_email, domain, plan, server_group)
            VALUES (\(id), \(request.orderID), \(request.customerID), \(request.customerName), \(request.contactEmail),
                    \(request.domain), \(request.plan), \(request.group))
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
struct UnknownAccountStatus: Error { let value: String }
