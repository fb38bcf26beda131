import Foundation
import HTTPSupport
import Hummingbird
import PortalTokens
import ServiceKit

/// The account `{id}` of the customer a portal token names, for the customer API's routes.
struct CustomerAccountAccess: Sendable {
    let customers: CustomerAuthentication
    let accounts: AccountStore

    /// The customer's account `{id}`; 404 for another customer's (or none).
    func owned(_ request: Request, _ context: ServiceRequestContext) async throws -> Account {
        let customer = try await customers.customer(request)
        guard let account = try await accounts.account(try context.parameters.require("id", as: UUID.self)),
            account.customerID == customer
        else { throw APIError.notFound("account") }
        return account
    }

    /// The customer's active account `{id}`; 409 for one that is not active.
    func active(_ request: Request, _ context: ServiceRequestContext) async throws -> Account {
        let account = try await owned(request, context)
        guard account.status == .active else {
            throw APIError.conflict("account_not_active", "the account is \(account.status.rawValue)")
        }
        return account
    }
}
