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
/// package's; 0 is unlimited.
public struct AccountLimits: Codable, Sendable, Equatable {
    public var diskMB: Int?
    /// A month's traffic.
    public var bandwidthMB: Int?
    public var mailboxes: Int?
    public var databases: Int?

    public init(diskMB: Int? = nil, bandwidthMB: Int? = nil, mailboxes: Int? = nil, databases: Int? = nil) {
        self.diskMB = diskMB
        self.bandwidthMB = bandwidthMB
        self.mailboxes = mailboxes
        self.databases = databases
    }

    /// From the catalog's `limits` object (`disk_mb`, `bandwidth_mb`, `mailboxes`, `databases`);
    /// a negative number is no limit set.
    public init(catalog: [String: Int]) {
        func value(_ key: String) -> Int? { catalog[key].flatMap { $0 >= 0 ? $0 : nil } }
        self.init(
            diskMB: value("disk_mb"), bandwidthMB: value("bandwidth_mb"), mailboxes: value("mailboxes"),
            databases: value("databases"))
    }

    public var isEmpty: Bool { diskMB == nil && bandwidthMB == nil && mailboxes == nil && databases == nil }

    enum CodingKeys: String, CodingKey {
        case diskMB = "disk_mb"
        case bandwidthMB = "bandwidth_mb"
        case mailboxes, databases
    }
}
