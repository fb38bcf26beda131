import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdAuth
import PortalTokens
import Secrets

/// The console's door: accepting an invitation, the password, then the second factor, which
/// every staff member must set up before anything opens.
struct ConsoleLoginController: Sendable {
    let pages: PageRenderer
    let staff: any StaffRepository
    let sessions: PostgresSessionStore
    let limiter: RateLimiter
    let passwords: Passwords
    let cipher: CredentialCipher
    let audit: AuditLog
    let issuer: String

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("login") { _, context in pages.render("console-login", ["title": "Staff login"], context: context) }
        router.post("login", use: logIn)
        router.get("login/two-factor", use: secondFactor)
        router.post("login/two-factor", use: answer)
        router.post("logout") { _, context in
            context.sessions.clearSession()
            return Response.redirect(to: "/console/login", type: .normal)
        }
        router.get("invitation", use: showInvitation)
        router.post("invitation", use: acceptInvitation)
    }

    @Sendable func logIn(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let email = context.form.text("email").lowercased()
        guard try await limiter.allow(.staffLoginPerAddress, context.clientAddress) else { throw PortalError.tooMany }
        guard try await limiter.isWithin(.staffFailedLogin, email) else { return locked(email, context) }
        let member = try await staff.member(email: email)
        guard try await passwords.verify(context.form["password"] ?? "", member?.passwordHash), let member,
            member.isActive
        else {
            try await limiter.record(.staffFailedLogin, email)
            return pages.render(
                "console-login",
                [
                    "title": "Staff login", "errors": ["The email address or the password is not right."],
                    "email": email,
                ], context: context, status: .unauthorized)
        }
        context.sessions.setSession(
            StaffSession(
                staffID: member.id, email: member.email, name: member.name, role: member.role, signedInAt: Date(),
                address: context.clientAddress, userAgent: String((request.headers[.userAgent] ?? "").prefix(200)),
                stage: member.hasTwoFactor ? .secondFactor : .secondFactorSetup), expiresIn: StaffSession.idleTimeout)
        return Response.redirect(to: "/console/login/two-factor", type: .normal)
    }

    @Sendable func secondFactor(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let session = context.sessions.session, session.stage != .signedIn,
            let member = try await staff.member(id: session.staffID), member.isActive
        else {
            return Response.redirect(to: "/console/login", type: .found)
        }
        if session.stage == .secondFactor {
            return pages.render("console-two-factor", ["title": "Two-factor login"], context: context)
        }
        return try await setup(member, errors: [], context: context)
    }

    @Sendable func answer(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard var session = context.sessions.session, session.stage != .signedIn,
            let member = try await staff.member(id: session.staffID), member.isActive
        else {
            return Response.redirect(to: "/console/login", type: .normal)
        }
        guard try await limiter.isWithin(.staffFailedLogin, member.email) else { return locked(member.email, context) }
        let code = context.form.text("code")
        var recoveryCodes: [String] = []
        if session.stage == .secondFactorSetup {
            guard let sealed = member.totpSecretSealed,
                let step = TwoFactor.step(of: code, secret: try cipher.open(sealed))
            else {
                try await limiter.record(.staffFailedLogin, member.email)
                return try await setup(
                    member, errors: ["That code is not the one your app shows now. Check the key and try again."],
                    context: context)
            }
            recoveryCodes = TwoFactor.newRecoveryCodes()
            guard
                try await staff.enableTwoFactor(
                    member.id, step: step, recoveryCodeHashes: recoveryCodes.map(TwoFactor.recoveryHash))
            else {
                return Response.redirect(to: "/console/login", type: .normal)
            }
        } else {
            guard try await proves(code, member) else {
                try await limiter.record(.staffFailedLogin, member.email)
                return pages.render(
                    "console-two-factor",
                    ["title": "Two-factor login", "errors": ["That code is not right, or was used already."]],
                    context: context, status: .unauthorized)
            }
        }
        // A new session id for the signed-in session: the half-signed one is dropped.
        if let old = request.cookies[Self.cookie]?.value { try await sessions.remove(key: String(old)) }
        session.stage = .signedIn
        session.signedInAt = Date()
        context.sessions.createSession(session, expiresIn: StaffSession.idleTimeout)
        try await staff.recordLogin(member.id)
        try await audit.record(
            AuditEntry(
                staffID: member.id, actor: "staff:\(member.email)", role: member.role.rawValue,
                address: context.clientAddress,
                action: recoveryCodes.isEmpty ? "staff.login" : "staff.two-factor-enabled",
                target: "staff:\(member.email)", reason: nil, before: nil, after: nil))
        guard recoveryCodes.isEmpty else {
            return pages.render(
                "console-recovery-codes", ["title": "Your recovery codes", "codes": recoveryCodes], context: context)
        }
        return Response.redirect(to: "/console", type: .normal)
    }

    @Sendable func showInvitation(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let token = request.uri.queryParameters.get("token") ?? ""
        guard let member = try await staff.invitee(invitationHash: SecretDigest.hex(token)) else {
            return pages.render(
                "console-invitation", ["title": "Invitation", "valid": false], context: context, status: .notFound)
        }
        return pages.render(
            "console-invitation",
            [
                "title": "Invitation", "valid": true, "token": token, "name": member.name,
                "email": member.email, "role": member.role.rawValue,
            ], context: context)
    }

    @Sendable func acceptInvitation(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let token = context.form.text("token")
        let password = context.form["password"] ?? ""
        guard let invitee = try await staff.invitee(invitationHash: SecretDigest.hex(token)) else {
            return pages.render(
                "console-invitation", ["title": "Invitation", "valid": false], context: context, status: .notFound)
        }
        if let problem = Passwords.problem(with: password) {
            return pages.render(
                "console-invitation",
                [
                    "title": "Invitation", "valid": true, "token": token, "name": invitee.name,
                    "email": invitee.email, "role": invitee.role.rawValue, "errors": [problem],
                ],
                context: context, status: .unprocessableContent)
        }
        guard
            let member = try await staff.accept(
                invitationHash: SecretDigest.hex(token), passwordHash: try await passwords.hash(password))
        else {
            return pages.render(
                "console-invitation", ["title": "Invitation", "valid": false], context: context, status: .notFound)
        }
        try await audit.record(
            AuditEntry(
                staffID: member.id, actor: "staff:\(member.email)", role: member.role.rawValue,
                address: context.clientAddress, action: "staff.invitation-accepted", target: "staff:\(member.email)",
                reason: nil, before: nil, after: nil))
        return pages.render(
            "console-login",
            [
                "title": "Staff login", "email": member.email,
                "notice": "Your password is set. Log in, then set up two-factor login.",
            ], context: context)
    }

    static let cookie = "hw_staff"

    private func locked(_ email: String, _ context: ConsoleRequestContext) -> Response {
        pages.render(
            "console-login",
            [
                "title": "Staff login", "email": email,
                "errors": ["Too many failed attempts for this account: it is locked for 15 minutes."],
            ],
            context: context, status: .tooManyRequests)
    }

    /// The setup page, with the secret stored sealed (the one from an earlier try, so a scanned key stays right).
    private func setup(_ member: StaffMember, errors: [String], context: ConsoleRequestContext) async throws -> Response
    {
        let secret: String
        if let sealed = member.totpSecretSealed {
            secret = try cipher.open(sealed)
        } else {
            secret = TwoFactor.newSecret()
            try await staff.startTwoFactor(member.id, sealedSecret: try cipher.seal(secret))
        }
        return pages.render(
            "console-two-factor-setup",
            [
                "title": "Set up two-factor login", "errors": errors,
                "key": TwoFactor.manualKey(secret: secret, account: member.email, issuer: issuer),
                "url": TwoFactor.authenticatorURL(secret: secret, account: member.email, issuer: issuer),
                "qr_code": TwoFactor.qrCode(secret: secret, account: member.email, issuer: issuer),
            ], context: context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    private func proves(_ code: String, _ member: StaffMember) async throws -> Bool {
        try await TwoFactor.proves(
            code, sealedSecret: member.totpSecretSealed, owner: member.id, cipher: cipher, store: staff)
    }
}
