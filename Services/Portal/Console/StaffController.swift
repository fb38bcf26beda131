import Foundation
import Hummingbird
import HummingbirdAuth
import PortalTokens
import Validation

/// Staff members: the list, invitations (by owners, emailed), and disabling someone, which
/// ends their sessions at once.
struct StaffController: Sendable {
    let pages: PageRenderer
    let staff: any StaffRepository
    let invitations: StaffInvitations
    let audit: AuditLog
    let sessions: PostgresSessionStore

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("staff") { _, context in try await page(context: context) }
        router.post("staff/invite", use: invite)
        router.post("staff/{id}/disable", use: disable)
        router.post("staff/sessions/end-others") { request, context in
            guard let me = context.staff else { throw PortalError.notFound }
            let current = request.cookies[ConsoleLoginController.cookie].map { SecretDigest.hex(String($0.value)) }
            try await sessions.removeAll(ofStaff: me.staffID, keeping: current)
            return try await page(notice: "Your other console sessions are ended.", context: context)
        }
    }

    @Sendable func invite(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let me = context.staff else { throw PortalError.notFound }
        guard me.role.may(.manageStaff) else { return try await refused(me, context) }
        let (name, emailText) = (context.form.text("name"), context.form.text("email"))
        var errors: [String] = []
        if !(1...200).contains(name.count) { errors.append("Give their name (up to 200 characters).") }
        let email = try? EmailAddress(emailText)
        if email == nil { errors.append("Give an email address we can write to.") }
        let role = StaffRole(rawValue: context.form.text("role"))
        if role == nil { errors.append("Choose a role.") }
        guard errors.isEmpty, let email, let role else {
            return try await page(errors: errors, context: context, status: .unprocessableContent)
        }
        guard try await invitations.invite(email: email.address, name: name, role: role, by: "staff:\(me.email)") != nil
        else {
            return try await page(errors: ["\(email.address) is staff already."], context: context, status: .conflict)
        }
        try await audit.record(
            by: me, from: context.clientAddress, action: "staff.invited", target: "staff:\(email.address)", reason: nil,
            before: nil,
            after: AuditEntry.json(["role": role.rawValue, "name": name]))
        return try await page(
            notice: "Invitation emailed to \(email.address). The link works for three days.", context: context)
    }

    @Sendable func disable(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let me = context.staff else { throw PortalError.notFound }
        guard me.role.may(.manageStaff) else { return try await refused(me, context) }
        let id = try context.parameters.require("id", as: UUID.self)
        guard id != me.staffID else {
            return try await page(errors: ["You cannot disable yourself."], context: context, status: .conflict)
        }
        guard let member = try await staff.member(id: id), try await staff.disable(id) else {
            throw PortalError.notFound
        }
        try await audit.record(
            by: me, from: context.clientAddress, action: "staff.disabled", target: "staff:\(member.email)", reason: nil,
            before: AuditEntry.json(["role": member.role.rawValue]), after: AuditEntry.json(["disabled": true]))
        return try await page(
            notice: "\(member.name) can no longer log in; their sessions are ended.", context: context)
    }

    private func refused(_ me: StaffSession, _ context: ConsoleRequestContext) async throws -> Response {
        try await page(
            errors: ["Your role (\(me.role.rawValue)) may not manage staff: only owners may."], context: context,
            status: .forbidden)
    }

    private func page(
        errors: [String] = [], notice: String? = nil, context: ConsoleRequestContext,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let me = context.staff else { throw PortalError.notFound }
        let members = try await staff.all().map { member -> [String: Any] in
            [
                "id": member.id.uuidString.lowercased(), "name": member.name, "email": member.email,
                "role": member.role.rawValue,
                "state": member.disabledAt != nil
                    ? "disabled"
                    : member.passwordHash == nil ? "invited" : member.hasTwoFactor ? "active" : "setting up",
                "last_login": member.lastLoginAt.map(AccountController.dateTime) ?? "never",
                "may_disable": me.role.may(.manageStaff) && member.disabledAt == nil && member.id != me.staffID,
            ]
        }
        let mine = try await sessions.sessions(ofStaff: me.staffID).map { row -> [String: Any] in
            [
                "signed_in": AccountController.dateTime(row.session.signedInAt), "address": row.session.address,
                "browser": AccountController.browser(row.session.userAgent),
                "expires": row.expiresAt.map(AccountController.dateTime) ?? "—",
            ]
        }
        return pages.render(
            "console-staff",
            [
                "my_sessions": mine, "other_sessions": mine.count > 1,
                "title": "Staff", "members": members, "may_invite": me.role.may(.manageStaff), "errors": errors,
                "notice": notice ?? "",
                "roles": StaffRole.allCases.map { ["role": $0.rawValue] },
            ], context: context, status: status)
    }
}
