import Foundation

/// Create the hosting account an order paid for.
public struct ProvisionAccount: Command {
    public static let wireName = "provision-account"
    public static let queue = "provisioning"

    public var orderID: UUID
    public var customerID: UUID
    /// The control-panel plan (package) name.
    public var plan: String
    /// The server group the product is sold from.
    public var serverGroup: String
    public var domain: String
    public var contactEmail: String
    public var customerName: String
    /// The product's limits, applied to the account on its panel over its package's; absent
    /// from senders before version 2: the package's alone.
    public var limits: AccountLimits?

    public init(
        orderID: UUID, customerID: UUID, plan: String, serverGroup: String, domain: String, contactEmail: String,
        customerName: String, limits: AccountLimits? = nil
    ) {
        self.orderID = orderID
        self.customerID = customerID
        self.plan = plan
        self.serverGroup = serverGroup
        self.domain = domain
        self.contactEmail = contactEmail
        self.customerName = customerName
        self.limits = limits
    }

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case customerID = "customer_id"
        case plan
        case serverGroup = "server_group"
        case domain
        case contactEmail = "contact_email"
        case customerName = "customer_name"
        case limits
    }
}

/// What a product allows an account, as the catalog sets it. A missing limit is the panel
/// package's; 0 is unlimited. The backup schedule and retention are Hostwire's own.
public struct AccountLimits: Codable, Sendable, Equatable {
    public var diskMB: Int?
    /// A month's traffic.
    public var bandwidthMB: Int?
    public var mailboxes: Int?
    public var databases: Int?
    /// Days between scheduled backups (1 daily, 7 weekly, 0 none); missing: daily.
    public var backupEveryDays: Int?
    /// Days a backup is kept; missing: 30.
    public var backupRetentionDays: Int?

    public init(
        diskMB: Int? = nil, bandwidthMB: Int? = nil, mailboxes: Int? = nil, databases: Int? = nil,
        backupEveryDays: Int? = nil, backupRetentionDays: Int? = nil
    ) {
        self.diskMB = diskMB
        self.bandwidthMB = bandwidthMB
        self.mailboxes = mailboxes
        self.databases = databases
        self.backupEveryDays = backupEveryDays
        self.backupRetentionDays = backupRetentionDays
    }

    /// From the catalog's `limits` object (`disk_mb`, `bandwidth_mb`, `mailboxes`, `databases`,
    /// `backup_every_days`, `backup_retention_days`); a negative number is no limit set.
    public init(catalog: [String: Int]) {
        func value(_ key: String) -> Int? { catalog[key].flatMap { $0 >= 0 ? $0 : nil } }
        self.init(
            diskMB: value("disk_mb"), bandwidthMB: value("bandwidth_mb"), mailboxes: value("mailboxes"),
            databases: value("databases"), backupEveryDays: value("backup_every_days"),
            backupRetentionDays: value("backup_retention_days"))
    }

    public var isEmpty: Bool { self == AccountLimits() }

    enum CodingKeys: String, CodingKey {
        case diskMB = "disk_mb"
        case bandwidthMB = "bandwidth_mb"
        case mailboxes, databases
        case backupEveryDays = "backup_every_days"
        case backupRetentionDays = "backup_retention_days"
    }
}
