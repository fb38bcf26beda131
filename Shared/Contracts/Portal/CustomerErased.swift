import Foundation

/// Staff carried out a person's request to be forgotten. Each service forgets what it holds
/// about them (name, addresses, the provider's customer, the emails' contents) and keeps
/// only what the law requires: issued invoices, with the bill-to they were issued to.
public struct CustomerErased: Event {
    public static let wireName = "customer.erased"
    public static let publisher = "portal"

    public var personID: UUID
    /// Checkout's customer, when the person ever became one.
    public var customerID: UUID?
    /// The address to forget: mail sent before the person was a customer is found by it.
    public var email: String

    public init(personID: UUID, customerID: UUID?, email: String) {
        self.personID = personID
        self.customerID = customerID
        self.email = email
    }

    /// What an erased customer's address becomes wherever a row must keep one.
    public static func placeholderEmail(for id: UUID) -> String {
        "erased-\(id.uuidString.lowercased())@erased.invalid"
    }

    enum CodingKeys: String, CodingKey {
        case personID = "person_id"
        case customerID = "customer_id"
        case email
    }
}
