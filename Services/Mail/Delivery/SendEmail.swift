import Contracts
import Foundation
import Mail
import Messaging
import Persistence
import PostgresNIO
import Secrets
import ServiceRuntime

/// Send one queued message.
struct SendEmailTask: TaskPayload {
    static let taskType = "send-email"
    static let maxAttempts = 15
    let messageID: UUID
    enum CodingKeys: String, CodingKey { case messageID = "message_id" }
}

/// Renders a queued message (opening a sealed password only now, in memory), sends it, and
/// logs the attempt: 4xx and connection failures are retried with backoff; a 5xx marks the
/// message failed with the server's reply.
struct SendEmail: Sendable {
    let settings: MailSettings
    let files: TemplateStore
    let compiled: CompiledTemplates

    func register(in definition: inout ServiceDefinition) {
        definition.tasks.register(SendEmailTask.self) { task, completion in
            let id = task.messageID
            let logger = completion.logger
            guard
                let row = try await completion.database.query(
                    """
                    SELECT template, recipient, recipient_name, variables::text, message_id, created_at, status, account_id, customer_id
                    FROM messages WHERE id = \(id)
                    """
                ).first
            else { throw PermanentTaskFailure("no message \(id)") }
            let (template, recipient, name, json, messageID, created, status, account, customer) =
                try row.decode((String, String, String?, String, String, Date, String, UUID?, UUID?).self)
            // Sent already (a resend queues it again first): nothing to do.
            guard status == "queued" else { return }
            var variables = (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]) ?? [:]
            if let sealed = variables.removeValue(forKey: "sealed_password") as? String {
                variables["password"] = (try? settings.opener?.open(sealed)) ?? "(set on first login)"
            }
            if let sealed = variables.removeValue(forKey: "sealed_link") as? String {
                // A link mail cannot open is useless to the reader: fail rather than send it.
                guard let link = try? settings.linkOpener?.open(sealed) else {
                    throw PermanentTaskFailure("the message's link cannot be opened (HOSTWIRE_MAIL_SEAL_PRIVATE_KEY)")
                }
                variables["link"] = link
            }
            let rendered = try await TemplateVersions(database: completion.database, files: files, cache: compiled)
                .render(template, variables)
            let message = MIMEMessage(
                from: settings.from, replyTo: settings.replyTo, to: .init(recipient, name: name),
                subject: rendered.subject, text: rendered.text, html: rendered.html,
                messageID: messageID, date: created)
            do throws(MailDeliveryError) {
                try await settings.transport.send(message.rendered(), from: settings.from.email, to: [recipient])
            } catch {
                let permanent: Bool = if case .permanent = error { true } else { false }
                _ = try? await completion.database.transaction { connection in
                    try await MessageStore.recordAttempt(
                        id, outcome: permanent ? "permanent" : "transient", detail: error.description,
                        on: connection, logger: logger)
                }
                if permanent { throw PermanentTaskFailure(error.description) }
                throw error
            }
            try await completion.finish { transaction in
                try await MessageStore.recordAttempt(
                    id, outcome: "sent", detail: nil, on: transaction.connection, logger: logger)
                try await transaction.publish(
                    EmailSent(messageID: id, template: template, accountID: account, customerID: customer))
            }
        } onFinalFailure: { task, failure, transaction in
            guard
                let row = try await transaction.query(
                    """
                    SELECT template, account_id, customer_id FROM messages WHERE id = \(task.messageID)
                    """
                ).first
            else { return }
            let (template, account, customer) = try row.decode((String, UUID?, UUID?).self)
            try await transaction.publish(
                EmailFailed(
                    messageID: task.messageID, template: template, accountID: account,
                    customerID: customer, reason: failure.message))
        }
    }
}
