import Foundation
import Hummingbird

/// A hosting account's control panel, from the services page: open it without a password
/// (single sign-on) and change its password.
struct ControlPanelController: Sendable {
    let pages: PageRenderer
    let services: ServiceAPIs
    let link: CustomerLink

    func addRoutes(to router: RouterGroup<PortalRequestContext>) {
        router.post("services/{id}/control-panel", use: open)
        router.get("services/{id}/password", use: passwordForm)
        router.post("services/{id}/password", use: changePassword)
    }

    /// Single sign-on: straight into the account's control panel, by a one-time link.
    @Sendable func open(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let session = try await link.session(context)
        guard let id = context.parameters.get("id", as: UUID.self) else { throw PortalError.notFound }
        do {
            // A page that goes on by itself, not a redirect: a form's redirect to the panel's
            // origin would need every panel in the Content-Security-Policy's form-action.
            let login = try await services.panelLogin(id, userIP: context.clientAddress, session)
            var response = pages.render(
                "control-panel", ["url": login.url, "domain": login.domain, "title": "Opening your control panel"],
                context: context)
            response.headers[.cacheControl] = "no-store"
            return response
        } catch let error as ServiceCallError where error.status == 404 {
            throw PortalError.notFound
        } catch let error as ServiceCallError where error.status == 409 {
            throw PortalError(.conflict, "This account's control panel cannot be opened while it is not active.")
        } catch is ServiceCallError {
            throw PortalError(.badGateway, "The control panel did not answer. Please try again in a minute.")
        }
    }

    @Sendable func passwordForm(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let (account, _) = try await changeable(context)
        return pages.render(
            "panel-password",
            [
                "title": "Change the password for \(account.domain)", "id": account.id.uuidString.lowercased(),
                "domain": account.domain, "username": account.username ?? "",
            ], context: context)
    }

    @Sendable func changePassword(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let (account, session) = try await changeable(context)
        let password = context.form.text("password")
        let repeated = context.form.text("password_again")
        var values: [String: Any] = [
            "title": "Change the password for \(account.domain)", "id": account.id.uuidString.lowercased(),
            "domain": account.domain, "username": account.username ?? "",
        ]
        guard password == repeated else {
            values["errors"] = ["The two passwords differ: type the same one twice."]
            return pages.render("panel-password", values, context: context, status: .unprocessableContent)
        }
        do {
            let changed = try await services.changePanelPassword(
                account.id, to: password.isEmpty ? nil : password, session)
            values["done"] = true
            if let generated = changed.password { values["generated"] = generated }
            var response = pages.render("panel-password", values, context: context)
            response.headers[.cacheControl] = "no-store"  // the generated password is shown once
            return response
        } catch let error as ServiceCallError where error.status == 422 {
            values["errors"] = ["That password would be refused: \(error.message ?? "choose another")."]
            return pages.render("panel-password", values, context: context, status: .unprocessableContent)
        } catch let error as ServiceCallError where error.status == 409 || error.status == 404 {
            throw PortalError.notFound
        }
    }

    /// The customer's account `{id}` while its password can be changed.
    private func changeable(_ context: PortalRequestContext) async throws -> (HostingAccount, PortalSession) {
        let session = try await link.session(context)
        guard let id = context.parameters.get("id", as: UUID.self),
            let account = try await services.accounts(session).first(where: { $0.id == id }),
            ["active", "suspended"].contains(account.status)
        else { throw PortalError.notFound }
        return (account, session)
    }
}
