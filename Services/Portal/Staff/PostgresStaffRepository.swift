import Contracts
import Foundation
import Persistence
import PortalTokens
import PostgresNIO
import ServiceKit

/// ``StaffRepository`` in the portal's schema; an invitation's email goes out through the
/// outbox, in the same transaction as the row that makes its link valid.
struct PostgresStaffRepository: StaffRepository {
    let store: ServiceStore
    var database: Database { store.database }

    private static let columns = """
        id, email, name, role, password_hash, totp_secret_sealed, totp_enabled_at, disabled_at, last_login_at, invited_by
        """

    func member(id: UUID) async throws -> StaffMember? {
        try await database.query("SELECT \(unescaped: Self.columns) FROM staff WHERE id = \(id)").first.map(Self.decode)
    }

    func member(email: String) async throws -> StaffMember? {
        try await database.query("SELECT \(unescaped: Self.columns) FROM staff WHERE email = \(email.lowercased())")
            .first.map(Self.decode)
    }

    func all() async throws -> [StaffMember] {
        try await database.query("SELECT \(unescaped: Self.columns) FROM staff ORDER BY created_at").map(Self.decode)
    }

    func invite(email: String, name: String, role: StaffRole, link: NewEmailLink, invitedBy: String) async throws
        -> StaffMember?
    {
        let expires = Date().addingTimeInterval(Double(link.purpose.lifetime.components.seconds))
        return try await store.transaction { transaction in
            guard
                let row = try await transaction.query(
                    """
                    INSERT INTO staff (id, email, name, role, invitation_hash, invitation_expires_at, invited_by)
                    VALUES (\(UUID()), \(email.lowercased()), \(name), \(role.rawValue), \(link.tokenHash), \(expires), \(invitedBy))
                    ON CONFLICT (email) DO NOTHING RETURNING \(unescaped: Self.columns)
                    """
                ).first
            else { return nil }
            let member = try Self.decode(row)
            try await transaction.publish(
                EmailLinkRequested(
                    personID: member.id, email: member.email, name: member.name,
                    purpose: .staffInvitation, sealedLink: link.sealedLink))
            return member
        }
    }

    func invitee(invitationHash: String) async throws -> StaffMember? {
        try await database.query(
            """
            SELECT \(unescaped: Self.columns) FROM staff
            WHERE invitation_hash = \(invitationHash) AND invitation_expires_at > now() AND disabled_at IS NULL
            """
        ).first.map(Self.decode)
    }

    func accept(invitationHash: String, passwordHash: String) async throws -> StaffMember? {
        try await database.query(
            """
            UPDATE staff SET password_hash = \(passwordHash), invitation_hash = NULL, invitation_expires_at = NULL
            WHERE invitation_hash = \(invitationHash) AND invitation_expires_at > now() AND disabled_at IS NULL
            RETURNING \(unescaped: Self.columns)
            """
        ).first.map(Self.decode)
    }

    func startTwoFactor(_ member: UUID, sealedSecret: String) async throws {
        _ = try await database.query(
            "UPDATE staff SET totp_secret_sealed = \(sealedSecret) WHERE id = \(member) AND totp_enabled_at IS NULL")
    }

    func enableTwoFactor(_ member: UUID, step: Int64, recoveryCodeHashes: [String]) async throws -> Bool {
        try await database.transaction { connection in
            guard
                try await !connection.query(
                    """
                    UPDATE staff SET totp_enabled_at = now(), totp_last_step = \(step)
                    WHERE id = \(member) AND totp_enabled_at IS NULL AND totp_secret_sealed IS NOT NULL RETURNING id
                    """, logger: database.logger
                ).collect().isEmpty
            else { return false }
            try await connection.query(
                "DELETE FROM staff_recovery_codes WHERE staff_id = \(member)", logger: database.logger)
            for hash in recoveryCodeHashes {
                try await connection.query(
                    "INSERT INTO staff_recovery_codes (staff_id, code_hash) VALUES (\(member), \(hash))",
                    logger: database.logger)
            }
            return true
        }
    }

    func useTimeStep(_ step: Int64, of member: UUID) async throws -> Bool {
        try await !database.query(
            """
            UPDATE staff SET totp_last_step = \(step)
            WHERE id = \(member) AND (totp_last_step IS NULL OR totp_last_step < \(step)) RETURNING id
            """
        ).isEmpty
    }

    func useRecoveryCode(hash: String, of member: UUID) async throws -> Bool {
        try await !database.query(
            """
            UPDATE staff_recovery_codes SET used_at = now() WHERE staff_id = \(member) AND code_hash = \(hash) AND used_at IS NULL
            RETURNING staff_id
            """
        ).isEmpty
    }

    func recordLogin(_ member: UUID) async throws {
        _ = try await database.query("UPDATE staff SET last_login_at = now() WHERE id = \(member)")
    }

    func disable(_ member: UUID) async throws -> Bool {
        try await database.transaction { connection in
            guard
                try await !connection.query(
                    """
                    UPDATE staff SET disabled_at = now() WHERE id = \(member) AND disabled_at IS NULL RETURNING id
                    """, logger: database.logger
                ).collect().isEmpty
            else { return false }
            try await connection.query(PostgresSessionStore.removingAll(ofStaff: member), logger: database.logger)
            return true
        }
    }

    private static func decode(_ row: PostgresRow) throws -> StaffMember {
        let (id, email, name, role, password, totp, totpAt, disabled, lastLogin, invitedBy) =
            try row.decode((UUID, String, String, String, String?, String?, Date?, Date?, Date?, String).self)
        return StaffMember(
            id: id, email: email, name: name, role: StaffRole(rawValue: role) ?? .viewer, passwordHash: password,
            totpSecretSealed: totp, totpEnabledAt: totpAt, disabledAt: disabled, lastLoginAt: lastLogin,
            invitedBy: invitedBy)
    }
}
