import Foundation
import Persistence
import PortalTokens
import PostgresNIO
import ServiceKit

/// One staff action as the audit log keeps it.
struct AuditEntry: Sendable {
    var id: Int64 = 0
    var at = Date()
    let staffID: UUID?
    let actor: String
    let role: String?
    let address: String?
    let action: String
    let target: String?
    let reason: String?
    let before: String?
    let after: String?
}

/// What to show of the audit log.
struct AuditFilter: Sendable {
    var actor: String?
    var action: String?
    /// What the action was on: the target's first word (`person:…`, `account:…`).
    var target: String?
    /// Matched anywhere in the target, the reason, before and after.
    var text: String?
    var limit = 200
}

/// The append-only record of what staff did (the table refuses UPDATE and DELETE).
struct AuditLog: Sendable {
    let database: Database

    func record(_ entry: AuditEntry) async throws {
        _ = try await database.query(Self.appending(entry, at: nil, reportedIn: nil))
    }

    /// Records an action a service reported on the bus, once per message.
    static func record(_ entry: AuditEntry, reportedIn message: UUID, in transaction: Transaction) async throws {
        try await transaction.query(appending(entry, at: entry.at, reportedIn: message))
    }

    /// The one statement that appends an entry: at `at` (the database's now when `nil`), and
    /// once per bus message when it names one.
    private static func appending(_ entry: AuditEntry, at: Date?, reportedIn message: UUID?) -> PostgresQuery {
        """
        INSERT INTO audit_log (at, staff_id, actor, role, address, action, target, reason, before, after, message_id)
        VALUES (coalesce(\(at)::timestamptz, now()), \(entry.staffID), \(entry.actor), \(entry.role), \(entry.address),
                \(entry.action), \(entry.target), \(entry.reason), \(entry.before)::jsonb, \(entry.after)::jsonb, \(message))
        ON CONFLICT (message_id) DO NOTHING
        """
    }

    func entries(_ filter: AuditFilter) async throws -> [AuditEntry] {
        let text = filter.text.map(LikePattern.containing)
        return try await database.query(
            """
            SELECT id, at, staff_id, actor, role, address, action, target, reason, before::text, after::text FROM audit_log
            WHERE (\(filter.actor)::text IS NULL OR actor = \(filter.actor))
              AND (\(filter.action)::text IS NULL OR action = \(filter.action))
              AND (\(filter.target)::text IS NULL OR split_part(target, ' ', 1) = \(filter.target))
              AND (\(text)::text IS NULL OR concat_ws(' ', target, reason, before::text, after::text) ILIKE \(text))
            ORDER BY id DESC LIMIT \(filter.limit)
            """
        ).map { row in
            let (id, at, staff, actor, role, address, action, target, reason, before, after) =
                try row.decode(
                    (Int64, Date, UUID?, String, String?, String?, String, String?, String?, String?, String?).self)
            return AuditEntry(
                id: id, at: at, staffID: staff, actor: actor, role: role, address: address, action: action,
                target: target,
                reason: reason, before: before, after: after)
        }
    }
}

extension AuditLog {
    /// Records what the signed-in `staff` member did from `address`.
    func record(
        by staff: StaffSession, from address: String, action: String, target: String?, reason: String?,
        before: String?, after: String?
    ) async throws {
        try await record(
            AuditEntry(
                staffID: staff.staffID, actor: "staff:\(staff.email)", role: staff.role.rawValue, address: address,
                action: action, target: target, reason: reason, before: before, after: after))
    }
}
