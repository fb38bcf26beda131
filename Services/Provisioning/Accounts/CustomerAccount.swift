import Contracts
import Foundation

/// An account as its owner sees it: no panel internals, no error text meant for operators.
struct CustomerAccount: Encodable, Sendable {
    let id: UUID, orderID: UUID?, domain: String, plan: String, status: AccountStatus, step: ProvisioningStep
    let server: String?, controlPanel: String?, username: String?, suspendReason: String?
    let createdAt: Date, provisionedAt: Date?
    /// The last day the usage sync measured; `nil` before the first.
    let usage: AccountUsageDay?
    /// The backups kept of the account.
    let backups: AccountBackupSummary

    enum CodingKeys: String, CodingKey {
        case id
        case orderID = "order_id"
        case domain, plan, status, step, server
        case controlPanel = "control_panel"
        case username
        case suspendReason = "suspend_reason"
        case createdAt = "created_at"
        case provisionedAt = "provisioned_at"
        case usage, backups
    }
}
