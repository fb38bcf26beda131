import Contracts
import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdAuth
import Secrets
import Validation

/// Changing the address one logs in with: proven by a link sent to the new address, then
/// taken by checkout (who owns customers and tells billing, mail and the payment provider)
/// before the portal itself moves; every session ends and the confirming browser signs in anew.
struct EmailChangeController: Sendable {
    let pages: PageRenderer
    let people: any PersonRepository
    let limiter: RateLimiter
    let services: ServiceAPIs
    let passwords: Passwords
    let settings: PortalSettings
    let signIn: SignIn

    func addRoutes(public router: RouterGroup<PortalRequestContext>) {
        router.get("account/email/confirm", use: showConfirmation)
        router.post("account/email/confirm", use: confirm)
    }

    func addRoutes(signedIn router: RouterGroup<PortalRequestContext>) {
        router.get("account/email") { _, context in
            pages.render("change-email", ["email": context.person?.email ?? ""], context: context)
        }
        router.post("account/email", use: request)
    }

    @Sendable func request(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard let session = context.person, let person = try await people.person(id: session.personID) else {
            throw PortalError.notFound
        }
        let typed = context.form.text("new_email")
        func refuse(_ problem: String, _ status: HTTPResponse.Status) -> Response {
            pages.render(
                "change-email", ["email": person.email, "new_email": typed, "errors": [problem]], context: context,
                status: status)
        }
        guard let address = try? EmailAddress(typed).address.lowercased() else {
            return refuse("Please give an email address we can write to.", .unprocessableContent)
        }
        guard address != person.email else {
            return refuse("That is the address you use already.", .unprocessableContent)
        }
        // Each request sends mail to an address the attacker may choose: counted like reset emails.
        guard try await limiter.allow(.resetPerEmail, person.email) else { throw PortalError.tooMany }
        guard try await passwords.verify(context.form["password"] ?? "", person.passwordHash) else {
            return refuse("The password is not right.", .unauthorized)
        }
        // Whether another person has the address is told only to whoever opens the link there.
        let link = try NewEmailLink.make(.emailChange, path: "/account/email/confirm", settings: settings).link
        try await people.requestEmailChange(of: person, to: address, link: link)
        return pages.render("check-email", ["email": address, "email_change": true], context: context)
    }

    @Sendable func showConfirmation(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let token = request.uri.queryParameters.get("token") ?? ""
        // Opening the link only shows a button: mail scanners that follow links change nothing.
        guard let change = try await people.emailChange(tokenHash: SecretDigest.hex(token)) else {
            return pages.render("confirm-email", ["valid": false], context: context, status: .notFound)
        }
        return pages.render(
            "confirm-email", ["valid": true, "token": token, "new_email": change.newEmail], context: context)
    }

    @Sendable func confirm(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let token = context.form.text("token")
        let hash = SecretDigest.hex(token)
        guard let change = try await people.emailChange(tokenHash: hash) else {
            return pages.render("confirm-email", ["valid": false], context: context, status: .notFound)
        }
        func refuse(_ problem: String) -> Response {
            pages.render(
                "confirm-email",
                ["valid": true, "token": token, "new_email": change.newEmail, "errors": [problem]],
                context: context, status: .conflict)
        }
        let taken = "Another account uses \(change.newEmail). Log in there, or write to \(settings.supportEmail)."
        if let other = try await people.person(email: change.newEmail), other.id != change.person.id {
            return refuse(taken)
        }
        // Checkout first: if it refuses, nothing has moved anywhere.
        if let customer = change.person.customerID {
            let session = PortalSession(
                personID: change.person.id, customerID: customer, email: change.person.email,
                name: change.person.name, signedInAt: Date(), address: "", userAgent: "")
            do {
                try await services.changeEmail(to: change.newEmail, session)
            } catch let error as ServiceCallError where error.code == "email_taken" {
                return refuse(taken)
            }
        }
        let person: Person
        do {
            guard let changed = try await people.changeEmail(tokenHash: hash) else {
                return pages.render("confirm-email", ["valid": false], context: context, status: .notFound)
            }
            person = changed
        } catch is EmailTaken {
            return refuse(taken)
        }
        try await signIn.start(person, request, context, secondFactorPending: person.hasTwoFactor)
        return Response.redirect(
            to: person.hasTwoFactor ? "/login/two-factor" : "/account/security?email_changed=1", type: .normal)
    }
}

/// Another person took the address between the link's sending and its use.
struct EmailTaken: Error {}
