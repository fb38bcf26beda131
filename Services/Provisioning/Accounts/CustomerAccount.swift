import Foundation

/// An account as its owner sees it: no panel internals, no error text meant for operators.
struct CustomerAccount: Encodable, Sendable {
    let id: UUID, orderID: UUID?, domain: String, plan: String, status: AccountStatus, step: ProvisioningStep
    let server: String?, controlPanel: String?, username: String?, suspendReason: String?
    let createdAt: Date, provisionedAt: Date?
    /// The last day the usage sync measured; `nil` before the first.
    let usage: Usage?
    /// The backups kept of the account.
    let backups: Backups

    /// How many completed backups are kept, and when the newest was made.
    struct Backups: Encodable, Sendable {
        let kept: Int
        let latestAt: Date?
        enum CodingKeys: String, CodingKey {
            case kept
            case latestAt = "latest_at"
        }
    }

    /// Disk and this month's traffic in MB; a `nil` limit is unlimited.
    struct Usage: Encodable, Sendable {
        let day: String, diskMB: Int, diskLimitMB: Int?, bandwidthMB: Int, bandwidthLimitMB: Int?
        enum CodingKeys: String, CodingKey {
            case day
            case diskMB = "disk_mb"
            case diskLimitMB = "disk_limit_mb"
            case bandwidthMB = "bandwidth_mb"
            case bandwidthLimitMB = "bandwidth_limit_mb"
        }
    }

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
