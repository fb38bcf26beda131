import Foundation

/// A customer proved a new email address and checkout, which owns customers, now knows them
/// by it. Billing and mail write to the new address from here on; mail tells the old one.
public struct CustomerEmailChanged: Event {
    public static let wireName = "customer.email-changed"
    public static let publisher = "checkout"

    public var customerID: UUID
    public var email: String
    public var previousEmail: String
    public var name: String

    public init(customerID: UUID, email: String, previousEmail: String, name: String) {
        self.customerID = customerID
        self.email = email
        self.previousEmail = previousEmail
        self.name = name
    }

    enum CodingKeys: String, CodingKey {
        case customerID = "customer_id"
        case email
        case previousEmail = "previous_email"
        case name
    }
}
