import Contracts
import Foundation
import Mail
import Persistence
import PostgresNIO
import Secrets
import ServiceKit
import Tasks

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
            guard let queued = try await MessageStore.toSend(id, in: completion.database) else {
                throw PermanentTaskFailure("no message \(id)")
            }
            // Sent already (a resend queues it again first): nothing to do.
            guard queued.status == .queued else { return }
            var variables = queued.variables
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
                .render(queued.template, variables)
            let message = MIMEMessage(
                from: settings.from, replyTo: settings.replyTo, to: .init(queued.recipient, name: queued.recipientName),
                subject: rendered.subject, text: rendered.text, html: rendered.html,
                messageID: queued.messageID, date: queued.createdAt)
            do throws(MailDeliveryError) {
                try await settings.transport.send(message.rendered(), from: settings.from.email, to: [queued.recipient])
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
            let sent = EmailSent(
                messageID: id, template: queued.template, accountID: queued.accountID, customerID: queued.customerID)
            try await completion.finish { transaction in
                try await MessageStore.recordAttempt(
                    id, outcome: "sent", detail: nil, on: transaction.connection, logger: logger)
                try await transaction.publish(sent)
            }
        } onFinalFailure: { task, failure, transaction in
            guard let about = try await MessageStore.subject(of: task.messageID, in: transaction) else { return }
            try await transaction.publish(
                EmailFailed(
                    messageID: task.messageID, template: about.template, accountID: about.accountID,
                    customerID: about.customerID, reason: failure.message))
        }
    }
}
