import Foundation

/// Commands that change an existing hosting account, each sent to provisioning. Each
/// carries its `actor` (who asked: `billing`, or an operator's name), which provisioning
/// stores with the change and repeats in the event that reports it.
public struct SuspendAccount: Command {
    public static let wireName = "suspend-account"
    public static let queue = "provisioning"
    public var accountID: UUID
    /// Why, as the panel and the customer see it (for example `non-payment`).
    public var reason: String
    public var actor: String?
    public init(accountID: UUID, reason: String, actor: String?) {
        self.accountID = accountID
        self.reason = reason
        self.actor = actor
    }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case reason, actor
    }
}

public struct UnsuspendAccount: Command {
    public static let wireName = "unsuspend-account"
    public static let queue = "provisioning"
    public var accountID: UUID
    /// Only an account suspended for this reason is unsuspended (`nil`: any reason).
    public var onlyIfSuspendedFor: String?
    public var actor: String?
    public init(accountID: UUID, onlyIfSuspendedFor: String?, actor: String?) {
        self.accountID = accountID
        self.onlyIfSuspendedFor = onlyIfSuspendedFor
        self.actor = actor
    }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case onlyIfSuspendedFor = "only_if_suspended_for"
        case actor
    }
}

/// Move the account to another package; with the new product's `limits` (since
/// 2026-12-05, optional), set on the account over the package's as at creation.
public struct ChangePackage: Command {
    public static let wireName = "change-package"
    public static let queue = "provisioning"
    public var accountID: UUID
    public var plan: String
    public var actor: String?
    public var limits: AccountLimits?
    public init(accountID: UUID, plan: String, actor: String?, limits: AccountLimits? = nil) {
        self.accountID = accountID
        self.plan = plan
        self.actor = actor
        self.limits = limits
    }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case plan, actor, limits
    }
}

/// Give the account a new generated password; it reaches the customer sealed, by mail.
public struct ChangePassword: Command {
    public static let wireName = "change-password"
    public static let queue = "provisioning"
    public var accountID: UUID
    public var actor: String?
    public init(accountID: UUID, actor: String?) {
        self.accountID = accountID
        self.actor = actor
    }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case actor
    }
}

public struct TerminateAccount: Command {
    public static let wireName = "terminate-account"
    public static let queue = "provisioning"
    public var accountID: UUID
    public var actor: String?
    public init(accountID: UUID, actor: String?) {
        self.accountID = accountID
        self.actor = actor
    }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case actor
    }
}

/// Provisioning created an account: the rest of the chain (DNS, certificate, mail) starts here.
/// A DKIM public key record: the TXT at `<selector>._domainkey.<domain>`.
public struct DKIMKey: Codable, Sendable, Equatable {
    public var selector: String
    /// `v=DKIM1; k=rsa; p=…`, unquoted.
    public var record: String

    public init(selector: String, record: String) {
        self.selector = selector
        self.record = record
    }
}

public struct AccountProvisioned: Event {
    public static let wireName = "account.provisioned"
    public static let publisher = "provisioning"
    public var accountID: UUID
    public var orderID: UUID
    public var customerID: UUID
    public var customerName: String
    public var contactEmail: String
    public var domain: String
    public var username: String
    public var serverHostname: String
    public var serverIP: String
    public var nameservers: [String]
    public var panel: String
    /// Where the customer logs in to the panel.
    public var controlPanelURL: String
    /// The account password sealed for the mail service alone (`FieldSealer`,
    /// purpose `account.password`); `nil` when no mail key is configured.
    public var sealedPassword: String?
    /// The mailbox made with the account (`info@domain`), with the account's password.
    public var mailbox: String?
    /// The MySQL database made with the account; its user has the same name and the account's password.
    public var database: String?
    /// The DKIM key the panel signs the domain's mail with, for its zone; `nil` when it signs none.
    public var dkim: DKIMKey?

    public init(
        accountID: UUID, orderID: UUID, customerID: UUID, customerName: String, contactEmail: String,
        domain: String, username: String, serverHostname: String, serverIP: String, nameservers: [String],
        panel: String, controlPanelURL: String, sealedPassword: String?, mailbox: String? = nil,
        database: String? = nil,
        dkim: DKIMKey? = nil
    ) {
        self.accountID = accountID
        self.orderID = orderID
        self.customerID = customerID
        self.customerName = customerName
        self.contactEmail = contactEmail
        self.domain = domain
        self.username = username
        self.serverHostname = serverHostname
        self.serverIP = serverIP
        self.nameservers = nameservers
        self.panel = panel
        self.controlPanelURL = controlPanelURL
        self.sealedPassword = sealedPassword
        self.mailbox = mailbox
        self.database = database
        self.dkim = dkim
    }

    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case orderID = "order_id"
        case customerID = "customer_id"
        case customerName = "customer_name"
        case contactEmail = "contact_email"
        case domain, username, mailbox, database, dkim
        case serverHostname = "server_hostname"
        case serverIP = "server_ip"
        case nameservers, panel
        case controlPanelURL = "control_panel_url"
        case sealedPassword = "sealed_password"
    }
}

/// Provisioning gave up on an account after its last attempt.
public struct AccountProvisioningFailed: Event {
    public static let wireName = "account.provisioning-failed"
    public static let publisher = "provisioning"
    public var orderID: UUID
    public var reason: String
    public init(orderID: UUID, reason: String) {
        self.orderID = orderID
        self.reason = reason
    }
    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case reason
    }
}
