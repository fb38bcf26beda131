import Foundation
import PostgresNIO

/// A message in the delivery log, as operators see it.
struct LoggedMessage: Encodable, Sendable {
    /// One try at handing the message to the mail server.
    struct Attempt: Encodable, Sendable {
        let at: Date
        let outcome: String
        let detail: String?
    }

    let id: UUID
    let messageID: String
    let eventID: UUID?
    let eventType: String
    let template: String
    let recipient: String
    let status: MessageStatus
    let attempts: Int
    let lastError: String?
    let createdAt: Date
    let sentAt: Date?
    var deliveryAttempts: [Attempt]?

    enum CodingKeys: String, CodingKey {
        case id
        case messageID = "message_id"
        case eventID = "event_id"
        case eventType = "event_type"
        case template, recipient, status, attempts
        case lastError = "last_error"
        case createdAt = "created_at"
        case sentAt = "sent_at"
        case deliveryAttempts = "delivery_attempts"
    }

    /// Reads a row that has the `messages` columns named above.
    init(row: PostgresRow) throws {
        let cells = row.makeRandomAccess()
        id = try cells["id"].decode(UUID.self)
        messageID = try cells["message_id"].decode(String.self)
        eventID = try cells["event_id"].decode(UUID?.self)
        eventType = try cells["event_type"].decode(String.self)
        template = try cells["template"].decode(String.self)
        recipient = try cells["recipient"].decode(String.self)
        status = try cells["status"].decode(MessageStatus.self)
        attempts = try cells["attempts"].decode(Int.self)
        lastError = try cells["last_error"].decode(String?.self)
        createdAt = try cells["created_at"].decode(Date.self)
        sentAt = try cells["sent_at"].decode(Date?.self)
    }
}
