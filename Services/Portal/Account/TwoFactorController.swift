import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdAuth
import Secrets

/// Two-factor login: turning it on (a TOTP secret confirmed with a first code, and ten
/// recovery codes shown once), the second step of a login, and turning it off.
struct TwoFactorController: Sendable {
    let pages: PageRenderer
    let people: any PersonRepository
    let sessions: PostgresSessionStore
    let limiter: RateLimiter
    let cipher: CredentialCipher
    let issuer: String

    static let attemptsPerPerson = RateLimiter.Limit(action: "second-factor", count: 10, window: .seconds(900))

    /// The second step of a login, for someone not signed in yet.
    func addLoginRoutes(to router: RouterGroup<PortalRequestContext>) {
        router.get("login/two-factor", use: challenge)
        router.post("login/two-factor", use: answer)
    }

    /// The settings, for the signed-in person.
    func addAccountRoutes(to router: RouterGroup<PortalRequestContext>) {
        router.get("account/two-factor", use: status)
        router.post("account/two-factor/start", use: start)
        router.post("account/two-factor/confirm", use: confirm)
        router.post("account/two-factor/disable", use: disable)
    }

    @Sendable func status(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let person = try await signedIn(context)
        return pages.render(
            "two-factor",
            [
                "title": "Two-factor login", "enabled": person.hasTwoFactor,
                "codes_left": person.hasTwoFactor ? try await people.recoveryCodesLeft(person.id) : 0,
            ], context: context)
    }

    @Sendable func start(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let person = try await signedIn(context)
        guard !person.hasTwoFactor else { return Response.redirect(to: "/account/two-factor", type: .normal) }
        let secret = TwoFactor.newSecret()
        try await people.startTwoFactor(person.id, sealedSecret: try cipher.seal(secret))
        return setup(person, secret: secret, errors: [], context: context)
    }

    @Sendable func confirm(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let person = try await signedIn(context)
        guard !person.hasTwoFactor, let sealed = person.totpSecretSealed else {
            return Response.redirect(to: "/account/two-factor", type: .normal)
        }
        let secret = try cipher.open(sealed)
        guard let step = TwoFactor.step(of: context.form.text("code"), secret: secret) else {
            return setup(
                person, secret: secret,
                errors: ["That code is not the one your app shows now. Check the key and try again."],
                context: context)
        }
        let codes = TwoFactor.newRecoveryCodes()
        guard
            try await people.enableTwoFactor(
                person.id, step: step, recoveryCodeHashes: codes.map(TwoFactor.recoveryHash))
        else {
            return Response.redirect(to: "/account/two-factor", type: .normal)
        }
        return pages.render(
            "two-factor",
            [
                "title": "Two-factor login", "enabled": true, "new_codes": codes, "has_new_codes": true,
                "codes_left": codes.count,
            ],
            context: context)
    }

    @Sendable func disable(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let person = try await signedIn(context)
        guard person.hasTwoFactor else { return Response.redirect(to: "/account/two-factor", type: .normal) }
        guard try await proves(context.form.text("code"), person) else {
            return pages.render(
                "two-factor",
                [
                    "title": "Two-factor login", "enabled": true,
                    "codes_left": try await people.recoveryCodesLeft(person.id),
                    "errors": ["That code is not right. Give the code your app shows now, or a recovery code."],
                ], context: context, status: .unprocessableContent)
        }
        try await people.disableTwoFactor(person.id)
        return Response.redirect(to: "/account/two-factor", type: .normal)
    }

    @Sendable func challenge(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard context.sessions.session?.secondFactorPending == true else {
            return Response.redirect(to: "/login", type: .found)
        }
        return pages.render("login-two-factor", ["title": "Two-factor login"], context: context)
    }

    @Sendable func answer(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard var session = context.sessions.session, session.secondFactorPending,
            let person = try await people.person(id: session.personID)
        else { return Response.redirect(to: "/login", type: .normal) }
        guard try await limiter.allow(Self.attemptsPerPerson, person.id.uuidString) else { throw PortalError.tooMany }
        guard try await proves(context.form.text("code"), person) else {
            return pages.render(
                "login-two-factor",
                [
                    "title": "Two-factor login",
                    "errors": ["That code is not right, or was used already."],
                ],
                context: context, status: .unauthorized)
        }
        // A new session id for the signed-in session: the half-signed one is dropped.
        if let old = request.cookies["hw_session"]?.value { try await sessions.remove(key: String(old)) }
        session.secondFactorPending = false
        context.sessions.createSession(session)
        return Response.redirect(to: "/services", type: .normal)
    }

    private func proves(_ code: String, _ person: Person) async throws -> Bool {
        try await TwoFactor.proves(
            code, sealedSecret: person.totpSecretSealed, owner: person.id, cipher: cipher, store: people)
    }

    private func setup(_ person: Person, secret: String, errors: [String], context: PortalRequestContext) -> Response {
        pages.render(
            "two-factor-setup",
            [
                "title": "Turn on two-factor login", "errors": errors,
                "key": TwoFactor.manualKey(secret: secret, account: person.email, issuer: issuer),
                "url": TwoFactor.authenticatorURL(secret: secret, account: person.email, issuer: issuer),
                "qr_code": TwoFactor.qrCode(secret: secret, account: person.email, issuer: issuer),
            ], context: context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    private func signedIn(_ context: PortalRequestContext) async throws -> Person {
        guard let session = context.person, let person = try await people.person(id: session.personID) else {
            throw PortalError.notFound
        }
        return person
    }
}
