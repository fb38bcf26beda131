import Contracts
import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdAuth
import Secrets
import Validation

/// Sign-up with email verification, login, logout, password reset by emailed link, and the
/// list of one's sessions with "log out everywhere else".
///
/// Nothing here tells a stranger whether an address has an account: sign-up and reset answer
/// the same page either way, and a wrong email or password read the same.
struct AccountController: Sendable {
    let pages: PageRenderer
    let people: any PersonRepository
    let sessions: PostgresSessionStore
    let limiter: RateLimiter
    let services: ServiceAPIs
    let passwords: Passwords
    let settings: PortalSettings

    func addRoutes(to router: RouterGroup<PortalRequestContext>) {
        router.get("signup") { _, context in pages.render("signup", [:], context: context) }
        router.post("signup", use: signUp)
        router.get("verify", use: showVerification)
        router.post("verify", use: verify)
        router.get("login") { request, context in
            pages.render(
                "login", ["next": LocalPath.validated(request.uri.queryParameters.get("next")) ?? ""], context: context)
        }
        router.post("login", use: logIn)
        router.post("logout") { _, context in
            context.sessions.clearSession()
            return Response.redirect(to: "/", type: .normal)
        }
        router.get("password-reset") { _, context in pages.render("reset-request", [:], context: context) }
        router.post("password-reset", use: requestReset)
        router.get("password-reset/choose", use: showChoosePassword)
        router.post("password-reset/choose", use: choosePassword)
        router.get("account/security", use: security)
        router.post("account/sessions/end-others", use: endOtherSessions)
    }

    @Sendable func signUp(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let form = context.form
        let (name, emailText, password) = (form.text("name"), form.text("email"), form["password"] ?? "")
        var errors: [String] = []
        if !(1...200).contains(name.count) { errors.append("Please give your name (up to 200 characters).") }
        let email = try? EmailAddress(emailText)
        if email == nil { errors.append("Please give an email address we can write to.") }
        if let problem = Passwords.problem(with: password) { errors.append(problem) }
        guard errors.isEmpty, let email else {
            return pages.render(
                "signup", ["errors": errors, "name": name, "email": emailText], context: context,
                status: .unprocessableContent)
        }
        guard try await limiter.allow(.signUpPerAddress, context.clientAddress) else { throw PortalError.tooMany }
        let hash = try await passwords.hash(password)
        let link = try newLink(.verify, path: "/verify")
        if try await people.signUp(email: email.address, name: name, passwordHash: hash, link: link) == nil,
            let existing = try await people.person(email: email.address), !existing.isVerified
        {
            // Signed up before and lost the email: a new link, the old one still works until it expires.
            try await people.sendLink(link, to: existing)
        }
        return pages.render("check-email", ["email": email.address, "verification": true], context: context)
    }

    @Sendable func showVerification(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let token = request.uri.queryParameters.get("token") ?? ""
        // Opening the link only shows a button: mail scanners that follow links verify nothing.
        let valid = try await people.linkOwner(tokenHash: SecretDigest.hex(token), purpose: .verify) != nil
        return pages.render(
            "verify", ["token": token, "valid": valid], context: context, status: valid ? .ok : .notFound)
    }

    @Sendable func verify(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard
            let person = try await people.useLink(
                tokenHash: SecretDigest.hex(context.form.text("token")), purpose: .verify)
        else {
            return pages.render("verify", ["valid": false], context: context, status: .notFound)
        }
        try await signIn(person, request, context)
        return Response.redirect(to: "/services", type: .normal)
    }

    @Sendable func logIn(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let email = context.form.text("email").lowercased()
        let next = LocalPath.validated(context.form["next"]) ?? "/services"
        guard try await limiter.allow(.loginPerAddress, context.clientAddress) else { throw PortalError.tooMany }
        guard try await limiter.isWithin(.failedLoginPerEmail, email) else {
            return pages.render(
                "login",
                [
                    "errors": ["Too many failed attempts for this account. Wait 15 minutes, or reset your password."],
                    "email": email, "next": next,
                ], context: context, status: .tooManyRequests)
        }
        let person = try await people.person(email: email)
        guard try await passwords.verify(context.form["password"] ?? "", person?.passwordHash), let person else {
            try await limiter.record(.failedLoginPerEmail, email)
            return pages.render(
                "login", ["errors": ["The email address or the password is not right."], "email": email, "next": next],
                context: context, status: .unauthorized)
        }
        guard person.isVerified else {
            try await people.sendLink(try newLink(.verify, path: "/verify"), to: person)
            return pages.render(
                "check-email", ["email": person.email, "verification": true, "unverified": true], context: context)
        }
        try await signIn(person, request, context, secondFactorPending: person.hasTwoFactor)
        return Response.redirect(to: person.hasTwoFactor ? "/login/two-factor" : next, type: .normal)
    }

    @Sendable func requestReset(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard try await limiter.allow(.resetPerAddress, context.clientAddress) else { throw PortalError.tooMany }
        let email = context.form.text("email").lowercased()
        if let person = try await people.person(email: email), try await limiter.allow(.resetPerEmail, email) {
            try await people.sendLink(try newLink(.reset, path: "/password-reset/choose"), to: person)
        }
        return pages.render("check-email", ["email": email, "reset": true], context: context)
    }

    @Sendable func showChoosePassword(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let token = request.uri.queryParameters.get("token") ?? ""
        let valid = try await people.linkOwner(tokenHash: SecretDigest.hex(token), purpose: .reset) != nil
        return pages.render(
            "reset-choose", ["token": token, "valid": valid], context: context, status: valid ? .ok : .notFound)
    }

    @Sendable func choosePassword(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let token = context.form.text("token")
        let password = context.form["password"] ?? ""
        if let problem = Passwords.problem(with: password) {
            return pages.render(
                "reset-choose", ["token": token, "valid": true, "errors": [problem]], context: context,
                status: .unprocessableContent)
        }
        // Every other session ends with the old password.
        guard
            let person = try await people.resetPassword(
                tokenHash: SecretDigest.hex(token), passwordHash: try await passwords.hash(password))
        else {
            return pages.render("reset-choose", ["valid": false], context: context, status: .notFound)
        }
        // The emailed link proves the address, not the second factor: that is still asked for.
        try await signIn(person, request, context, secondFactorPending: person.hasTwoFactor)
        return Response.redirect(to: person.hasTwoFactor ? "/login/two-factor" : "/services", type: .normal)
    }

    @Sendable func security(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard let person = context.person else {
            return Response.redirect(to: "/login?next=/account/security", type: .found)
        }
        let current = Self.currentKeyHash(request)
        let rows: [[String: Any]] = try await sessions.sessions(of: person.personID).map { row in
            [
                "signed_in": Self.dateTime(row.session.signedInAt), "address": row.session.address,
                "browser": Self.browser(row.session.userAgent), "current": row.keyHash == current,
            ]
        }
        let looks = try await AuditLog(database: sessions.database).entries(
            AuditFilter(
                action: "customer.log-in-as", target: "person:\(person.personID.uuidString.lowercased())", limit: 20))
        return pages.render(
            "security",
            [
                "email": person.email, "email_changed": request.uri.queryParameters.get("email_changed") == "1",
                "sessions": rows, "others": rows.count > 1, "has_staff_views": !looks.isEmpty,
                "staff_views": looks.map { entry in
                    ["at": Self.dateTime(entry.at), "reason": entry.reason ?? "", "role": entry.role ?? "staff"]
                },
            ], context: context)
    }

    @Sendable func endOtherSessions(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard let person = context.person else { return Response.redirect(to: "/login", type: .normal) }
        try await sessions.removeAll(of: person.personID, keeping: Self.currentKeyHash(request))
        return Response.redirect(to: "/account/security", type: .normal)
    }

    private func signIn(
        _ person: Person, _ request: Request, _ context: PortalRequestContext,
        secondFactorPending: Bool = false
    ) async throws {
        try await SignIn(people: people, sessions: sessions, services: services)
            .start(person, request, context, secondFactorPending: secondFactorPending)
    }

    private func newLink(_ purpose: EmailLinkPurpose, path: String) throws -> NewEmailLink {
        try NewEmailLink.make(purpose, path: path, settings: settings).link
    }

    private static func currentKeyHash(_ request: Request) -> String? {
        request.cookies["hw_session"].map { SecretDigest.hex(String($0.value)) }
    }

    static func dateTime(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false)
                .timeSeparator(.colon)
        ).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    /// A short name for the browser a session was started in.
    static func browser(_ userAgent: String) -> String {
        for (marker, name) in [
            ("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"),
            ("curl/", "curl"),
        ] where userAgent.contains(marker) {
            let platform = ["Android", "iPhone", "Windows", "Mac OS", "Linux"].first { userAgent.contains($0) }
            return platform.map { "\(name) on \($0)" } ?? name
        }
        return userAgent.isEmpty ? "Unknown browser" : String(userAgent.prefix(40))
    }
}

extension PortalError {
    static let tooMany = PortalError(
        .tooManyRequests,
        "Too many attempts from your network. Please wait a while and try again.")
}
