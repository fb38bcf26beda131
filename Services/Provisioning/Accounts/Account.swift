import Contracts
import ControlPanels
import Foundation
import Persistence
import PostgresNIO

/// Where an account is in its life, as stored in `accounts.status`.
enum AccountStatus: String, StoredState, CaseIterable {
    case provisioning, active, suspended, terminated, failed
}

/// The next provisioning step of an account, as stored in `accounts.step`.
enum ProvisioningStep: String, StoredState {
    /// Waiting for a server and a username.
    case server
    /// Placed; the panel account is to be created.
    case create
    /// The panel account exists (what a final failure must roll back); mailbox next.
    case mailbox
    case database
    case done

    /// The panel account has been created: a final failure must roll it back.
    var panelAccountExists: Bool { self == .mailbox || self == .database || self == .done }
}

/// A hosting account as provisioning keeps it.
struct Account: Sendable, Encodable {
    let id: UUID
    let orderID: UUID?
    let customerID: UUID?
    let customerName: String
    let contactEmail: String
    let domain: String
    let plan: String
    let group: String
    var serverID: UUID?
    var username: String?
    let status: AccountStatus
    let suspendReason: String?
    var step: ProvisioningStep
    let lastError: String?
    let createdAt: Date
    let provisionedAt: Date?
    /// Never shown; opened only to give the panel and (sealed again) the mail service.
    var passwordSealed: String?
    /// The product's limits, applied over the package's; `nil`: the package's alone.
    let limits: AccountLimits?

    enum CodingKeys: String, CodingKey {
        case id
        case orderID = "order_id"
        case customerID = "customer_id"
        case customerName = "customer_name"
        case contactEmail = "contact_email"
        case domain, plan
        case group = "server_group"
        case serverID = "server_id"
        case username, status
        case suspendReason = "suspend_reason"
        case step
        case lastError = "last_error"
        case createdAt = "created_at"
        case provisionedAt = "provisioned_at"
        case limits
    }
}

/// What a new account is for: the fields of `provision-account` and the admin API.
struct AccountRequest: Sendable, Decodable {
    var orderID: UUID?
    var customerID: UUID?
    var customerName: String
    var contactEmail: String
    var domain: String
    var plan: String
    var group: String
    var limits: AccountLimits?

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case customerID = "customer_id"
        case customerName = "customer_name"
        case contactEmail = "contact_email"
        case domain, plan
        case group = "server_group"
        case limits
    }

    /// The limits as stored; `nil` when there are none.
    var limitsJSON: String? {
        guard let limits, !limits.isEmpty, let data = try? JSONEncoder().encode(limits) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

extension AccountLimits {
    /// The limits the panel sets; `nil` when the product sets none there.
    var panel: PanelLimits? {
        let limits = PanelLimits(diskMB: diskMB, bandwidthMB: bandwidthMB, mailboxes: mailboxes, databases: databases)
        return limits == PanelLimits() ? nil : limits
    }
}

extension Account {
    /// Reads a row of ``AccountStore/columns``.
    init(row: PostgresRow) throws {
        let cells = row.makeRandomAccess()
        id = try cells["id"].decode(UUID.self)
        orderID = try cells["order_id"].decode(UUID?.self)
        customerID = try cells["customer_id"].decode(UUID?.self)
        customerName = try cells["customer_name"].decode(String.self)
        contactEmail = try cells["contact_email"].decode(String.self)
        domain = try cells["domain"].decode(String.self)
        plan = try cells["plan"].decode(String.self)
        group = try cells["server_group"].decode(String.self)
        serverID = try cells["server_id"].decode(UUID?.self)
        username = try cells["username"].decode(String?.self)
        status = try cells["status"].decode(AccountStatus.self)
        suspendReason = try cells["suspend_reason"].decode(String?.self)
        step = try cells["step"].decode(ProvisioningStep.self)
        lastError = try cells["last_error"].decode(String?.self)
        createdAt = try cells["created_at"].decode(Date.self)
        provisionedAt = try cells["provisioned_at"].decode(Date?.self)
        passwordSealed = try cells["password_sealed"].decode(String?.self)
        limits = try cells["limits"].decode(String?.self).flatMap {
            try? JSONDecoder().decode(AccountLimits.self, from: Data($0.utf8))
        }
    }
}
