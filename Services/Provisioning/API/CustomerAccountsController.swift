import ControlPanels
import Foundation
import HTTPSupport
import Hummingbird
import Persistence
import PostgresNIO
import Secrets
import ServiceKit
import Validation

/// `/api/customer/accounts`: the hosting accounts of the customer the portal's token names.
struct CustomerAccountsController: Sendable {
    let store: ServiceStore
    var database: Database { store.database }
    let customers: CustomerAuthentication
    let cipher: CredentialCipher
    let accounts: AccountStore
    let servers: ServerStore
    let panels: PanelDirectory

    struct PanelLoginRequest: Decodable {
        /// The customer's browser address, which the panel binds the login to.
        let userIP: String
        enum CodingKeys: String, CodingKey { case userIP = "user_ip" }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.get("accounts") { request, _ in
            let customer = try await customers.customer(request)
            let paging = try Paging(request)
            return APIResponse.json(
                try await accounts.owned(by: customer, limit: paging.perPage, offset: paging.offset))
        }
        api.post("accounts/{id}/password") { request, context in try await changePassword(request, context) }
        // Single sign-on: a one-time URL that logs the customer in to their panel.
        api.post("accounts/{id}/panel-login") { request, context in
            let customer = try await customers.customer(request)
            let body = try await APIResponse.decode(PanelLoginRequest.self, from: request)
            guard IPAddressText.isValid(body.userIP) else {
                throw APIError.invalid("user_ip", "user_ip is an IPv4 or IPv6 address")
            }
            let (account, username, panel) = try await panelOf(
                try context.parameters.require("id", as: UUID.self), customer: customer)
            do {
                return APIResponse.json([
                    "url": try await panel.loginURL(for: username, userIP: body.userIP), "domain": account.domain,
                ])
            } catch {
                database.logger.warning(
                    "panel login failed", metadata: ["account": "\(account.id)", "error": "\(error)"])
                throw APIError(
                    .badGateway, code: "panel_unavailable", "the control panel did not answer; try again in a minute")
            }
        }
    }

    /// A new panel password for one of the customer's accounts: theirs (checked against every
    /// panel's rules) or, without one, a generated one answered once. Set by the same retried
    /// task an operator's reset queues.
    private func changePassword(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        struct Body: Decodable { let password: String? }
        struct Queued: Encodable {
            let actionID: UUID
            let password: String?
            enum CodingKeys: String, CodingKey {
                case actionID = "action_id"
                case password
            }
        }
        let customer = try await customers.customer(request)
        let body = try await APIResponse.decode(Body.self, from: request)
        let id = try context.parameters.require("id", as: UUID.self)
        guard let account = try await accounts.account(id), account.customerID == customer else {
            throw APIError.notFound("account")
        }
        guard account.status == .active || account.status == .suspended, let username = account.username else {
            throw APIError.conflict("account_not_active", "the account is \(account.status.rawValue)")
        }
        if let chosen = body.password, let problem = Credentials.problem(with: chosen, username: username) {
            throw APIError.invalid("password", problem)
        }
        let password = body.password ?? Credentials.password()
        let task = ChangePasswordTask(
            accountID: id, actionID: UUID(), actor: "customer", chosenPassword: try cipher.seal(password))
        try await store.transaction { transaction in
            try await AccountActions.request(task, dedupeKey: nil, in: transaction)
        }
        return try APIResponse.json(
            Queued(actionID: task.actionID!, password: body.password == nil ? password : nil), status: .accepted)
    }

    /// The customer's active account with its panel username and panel; 404 for another
    /// customer's, 409 for one not active.
    private func panelOf(_ id: UUID, customer: UUID) async throws -> (Account, String, any ControlPanel) {
        guard let account = try await accounts.account(id), account.customerID == customer else {
            throw APIError.notFound("account")
        }
        guard account.status == .active, let username = account.username, let serverID = account.serverID,
            let server = try await servers.server(serverID)
        else {
            throw APIError.conflict("account_not_active", "the account is \(account.status.rawValue)")
        }
        return (account, username, try panels.panel(for: server))
    }
}
