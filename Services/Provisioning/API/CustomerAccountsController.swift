import Foundation
import Hummingbird
import Persistence
import PostgresNIO
import ServiceRuntime

/// `/api/customer/accounts`: the hosting accounts of the customer the portal's token names.
struct CustomerAccountsController: Sendable {
    let database: Database
    let customers: CustomerAuthentication

    /// An account as its owner sees it: no panel internals, no error text meant for operators.
    struct CustomerAccount: Encodable {
        let id: UUID, orderID: UUID?, domain: String, plan: String, status: String, step: String
        let server: String?, controlPanel: String?, username: String?, suspendReason: String?
        let createdAt: Date, provisionedAt: Date?
        enum CodingKeys: String, CodingKey {
            case id, orderID = "order_id", domain, plan, status, step, server, controlPanel = "control_panel", username
            case suspendReason = "suspend_reason", createdAt = "created_at", provisionedAt = "provisioned_at"
        }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.get("accounts") { request, _ in
            let customer = try await customers.customer(request)
            let paging = try Paging(request)
            return APIResponse.json(try await database.query("""
                SELECT a.id, a.order_id, a.domain, a.plan, a.status, a.step, s.hostname, s.panel, a.username, a.suspend_reason,
                       a.created_at, a.provisioned_at
                FROM accounts a LEFT JOIN servers s ON s.id = a.server_id
                WHERE a.customer_id = \(customer)
                ORDER BY a.created_at DESC, a.id LIMIT \(paging.perPage) OFFSET \(paging.offset)
                """).map { row in
                let (id, order, domain, plan, status, step, server, panel, username, reason, created, provisioned) =
                    try row.decode((UUID, UUID?, String, String, String, String, String?, String?, String?, String?, Date, Date?).self)
                return CustomerAccount(id: id, orderID: order, domain: domain, plan: plan, status: status, step: step, server: server,
                                       controlPanel: panel, username: username, suspendReason: reason, createdAt: created,
                                       provisionedAt: provisioned)
            })
        }
    }
}
