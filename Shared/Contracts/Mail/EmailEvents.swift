import Foundation

/// Mail handed a message to the SMTP server (the welcome email's arrival is a step of the
/// customer's live order page).
public struct EmailSent: Event {
    public static let wireName = "email.sent"
    public static let publisher = "mail"
    public var messageID: UUID
    public var template: String
    /// The account or customer the message was about, when mail knows it.
    public var accountID: UUID?
    public var customerID: UUID?
    public init(messageID: UUID, template: String, accountID: UUID?, customerID: UUID?) {
        self.messageID = messageID
        self.template = template
        self.accountID = accountID
        self.customerID = customerID
    }
    enum CodingKeys: String, CodingKey {
        case messageID = "message_id"
        case template
        case accountID = "account_id"
        case customerID = "customer_id"
    }
}

/// Mail gave up on a message: the server refused it, or every attempt failed.
public struct EmailFailed: Event {
    public static let wireName = "email.failed"
    public static let publisher = "mail"
    public var messageID: UUID
    public var template: String
    public var accountID: UUID?
    public var customerID: UUID?
    public var reason: String
    public init(messageID: UUID, template: String, accountID: UUID?, customerID: UUID?, reason: String) {
        self.messageID = messageID
        self.template = template
        self.accountID = accountID
        self.customerID = customerID
        self.reason = reason
    }
    enum CodingKeys: String, CodingKey {
        case messageID = "message_id"
        case template
        case accountID = "account_id"
        case customerID = "customer_id"
        case reason
    }
}
