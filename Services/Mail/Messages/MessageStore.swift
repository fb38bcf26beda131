import Crypto
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceKit

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

    /// The delivery log, newest first, narrowed by whichever of `id`, `recipient`, `status`
    /// and `event` are given.
    static func messages(
        id: UUID? = nil, recipient: String? = nil, status: MessageStatus? = nil, event: UUID? = nil,
        limit: Int, offset: Int, in database: Database
    ) async throws -> [LoggedMessage] {
        try await database.query(
            """
            SELECT id, message_id, event_id, event_type, template, recipient, status, attempts, last_error, created_at, sent_at
            FROM messages
            WHERE (\(id)::uuid IS NULL OR id = \(id)) AND (\(recipient)::text IS NULL OR lower(recipient) = lower(\(recipient)))
              AND (\(status)::text IS NULL OR status = \(status)) AND (\(event)::uuid IS NULL OR event_id = \(event))
            ORDER BY created_at DESC, id LIMIT \(limit) OFFSET \(offset)
            """
        ).map(LoggedMessage.init(row:))
    }

    /// One message with every try at delivering it; `nil` when there is none.
    static func message(_ id: UUID, in database: Database) async throws -> LoggedMessage? {
        guard var message = try await messages(id: id, limit: 1, offset: 0, in: database).first else { return nil }
        message.deliveryAttempts = try await database.query(
            """
            SELECT attempted_at, outcome, detail FROM delivery_attempts WHERE message = \(id) ORDER BY attempted_at
            """
        ).map { row in
            let (at, outcome, detail) = try row.decode((Date, String, String?).self)
            return LoggedMessage.Attempt(at: at, outcome: outcome, detail: detail)
        }
        return message
    }

    /// Queues `id` to be sent again with the same Message-ID; `false` when there is no such message.
    static func resend(_ id: UUID, in transaction: Transaction) async throws -> Bool {
        let rows = try await transaction.query("UPDATE messages SET status = 'queued' WHERE id = \(id) RETURNING id")
        guard !rows.isEmpty else { return false }
        try await transaction.enqueue(SendEmailTask(messageID: id), dedupeKey: "resend-\(id)-\(UUID())")
        return true
    }

    /// Forgets whom and what was written to an erased customer: recipient, name and every
    /// variable go (the template, dates and outcome stay, the delivery log's bare facts); a
    /// message not yet sent is not sent.
    static func forget(customer: UUID?, email: String, placeholder: String, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            UPDATE messages m SET recipient = \(placeholder), recipient_name = NULL, variables = '{}'::jsonb,
                status = CASE WHEN status = 'queued' THEN 'failed' ELSE status END,
                last_error = CASE WHEN status = 'queued' THEN 'the customer was erased' ELSE last_error END
            WHERE m.customer_id = \(customer) OR lower(m.recipient) = lower(\(email))
               OR m.account_id IN (SELECT account_id FROM recipients WHERE customer_id = \(customer))
            """)
    }

    /// The messages sent to `customer` (or about their accounts), newest first, with every
    /// sealed field replaced by where it was: the reader never sees a secret again.
    static func sent(
        to customer: UUID, id: UUID?, limit: Int, offset: Int, in database: Database
    ) async throws -> [SentMessage] {
        try await database.query(
            """
            SELECT m.id, m.template, m.variables::text, m.sent_at FROM messages m
            WHERE m.status = 'sent' AND (\(id)::uuid IS NULL OR m.id = \(id))
              AND (m.customer_id = \(customer) OR m.account_id IN (SELECT account_id FROM recipients WHERE customer_id = \(customer)))
            ORDER BY m.sent_at DESC, m.id LIMIT \(limit) OFFSET \(offset)
            """
        ).map { row in
            let (id, template, json, sentAt) = try row.decode((UUID, String, String, Date).self)
            var variables = (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]) ?? [:]
            // Never opened here: the reader sees where the secret was, not the secret.
            if variables.removeValue(forKey: "sealed_password") != nil {
                variables["password"] = "(only in the email itself)"
            }
            if variables.removeValue(forKey: "sealed_link") != nil { variables["link"] = "(only in the email itself)" }
            return SentMessage(id: id, template: template, variables: variables, sentAt: sentAt)
        }
    }

    /// What sending message `id` needs; `nil` when there is no such message.
    static func toSend(_ id: UUID, in database: Database) async throws -> QueuedMessage? {
        try await database.query(
            """
            SELECT template, recipient, recipient_name, variables::text AS variables, message_id, created_at, status,
                   account_id, customer_id
            FROM messages WHERE id = \(id)
            """
        ).first.map(QueuedMessage.init(row:))
    }

    /// What message `id` is about, for the event that reports it; `nil` when there is no such message.
    static func subject(of id: UUID, in transaction: Transaction) async throws
        -> (template: String, accountID: UUID?, customerID: UUID?)?
    {
        try await transaction.query("SELECT template, account_id, customer_id FROM messages WHERE id = \(id)").first
            .map { row in try row.decode((String, UUID?, UUID?).self) }
    }
}

/// A message as its sending reads it: still sealed fields inside `variables`.
struct QueuedMessage {
    let template: String
    let recipient: String
    let recipientName: String?
    /// Template variables; `sealed_password` and `sealed_link` are opened only by the sender.
    let variables: [String: Any]
    let messageID: String
    let createdAt: Date
    let status: MessageStatus
    let accountID: UUID?
    let customerID: UUID?

    init(row: PostgresRow) throws {
        let cells = row.makeRandomAccess()
        template = try cells["template"].decode(String.self)
        recipient = try cells["recipient"].decode(String.self)
        recipientName = try cells["recipient_name"].decode(String?.self)
        let json = try cells["variables"].decode(String.self)
        variables = (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]) ?? [:]
        messageID = try cells["message_id"].decode(String.self)
        createdAt = try cells["created_at"].decode(Date.self)
        status = try cells["status"].decode(MessageStatus.self)
        accountID = try cells["account_id"].decode(UUID?.self)
        customerID = try cells["customer_id"].decode(UUID?.self)
    }
}

/// A sent message as its recipient may read it again: sealed fields replaced.
struct SentMessage {
    let id: UUID
    let template: String
    let variables: [String: Any]
    let sentAt: Date
}
