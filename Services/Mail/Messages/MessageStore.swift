import Crypto
import Foundation
import Logging
import Messaging
import PostgresNIO

/// One email to write: which template, to whom, with what, because of which event.
struct NewMessage {
    let eventID: UUID
    let eventType: String
    let template: String
    let recipient: String
    let recipientName: String?
    /// Template variables (strings, string arrays, booleans); a password only as `sealed_password`.
    let variables: [String: Any]
    /// What the message is about, when the event says.
    var accountID: UUID?
    var customerID: UUID?
}

/// The `messages` table and its delivery log.
enum MessageStore {
    /// Records `message` once per event, template and recipient, and queues its sending, in
    /// the handler's transaction; a redelivered event finds the key taken and adds nothing.
    static func queue(_ message: NewMessage, messageIDDomain: String, in transaction: Transaction) async throws {
        let key = "\(message.eventID.uuidString.lowercased())/\(message.template)/\(message.recipient.lowercased())"
        let digest = SHA256.hash(data: Data(key.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
        let variables = String(
            decoding: try JSONSerialization.data(withJSONObject: message.variables, options: [.sortedKeys]),
            as: UTF8.self)
        let id = UUID()
        let inserted = try await transaction.query(
            """
            INSERT INTO messages (id, message_key, message_id, event_id, event_type, template, recipient, recipient_name, variables,
                                  account_id, customer_id)
            VALUES (\(id), \(key), \("\(digest)@\(messageIDDomain)"), \(message.eventID), \(message.eventType), \(message.template),
                    \(message.recipient), \(message.recipientName), \(variables)::jsonb, \(message.accountID), \(message.customerID))
            ON CONFLICT (message_key) DO NOTHING RETURNING id
            """)
        guard !inserted.isEmpty else { return }
        try await transaction.enqueue(SendEmailTask(messageID: id), dedupeKey: "send-\(id)")
    }

    static func recordAttempt(
        _ id: UUID, outcome: String, detail: String?, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            WITH attempt AS (INSERT INTO delivery_attempts (message, outcome, detail) VALUES (\(id), \(outcome), \(detail)))
            UPDATE messages SET attempts = attempts + 1, last_error = \(outcome == "sent" ? nil : detail),
                status = CASE \(outcome) WHEN 'sent' THEN 'sent' WHEN 'permanent' THEN 'failed' ELSE status END,
                sent_at = CASE \(outcome) WHEN 'sent' THEN now() ELSE sent_at END
            WHERE id = \(id)
            """, logger: logger)
    }
}
