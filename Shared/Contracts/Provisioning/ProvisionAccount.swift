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

    public init(
        orderID: UUID, customerID: UUID, plan: String, serverGroup: String, domain: String, contactEmail: String,
        customerName: String
    ) {
        self.orderID = orderID
        self.customerID = customerID
        self.plan = plan
        self.serverGroup = serverGroup
        self.domain = domain
        self.contactEmail = contactEmail
        self.customerName = customerName
    }

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case customerID = "customer_id"
        case plan
        case serverGroup = "server_group"
        case domain
        case contactEmail = "contact_email"
        case customerName = "customer_name"
    }
}
