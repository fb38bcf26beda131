import Foundation
import Hummingbird
import Messaging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `/api/mail`: the delivery log by recipient, status or event, one message with its
/// attempts, resend, and the task endpoints.
struct MailController: Sendable {
    let dependencies: ServiceDependencies

    struct Message: Encodable {
        let id: UUID
        let messageID: String
        let eventID: UUID?
        let eventType: String
        let template: String
        let recipient: String
        let status: String
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
    }

    struct Attempt: Encodable {
        let at: Date
        let outcome: String
        let detail: String?
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        TasksController<ServiceRequestContext>(store: dependencies.store, registry: dependencies.taskRegistry)
            .addRoutes(to: api)
        api.get("messages") { request, _ in
            let query = request.uri.queryParameters
            let status = query.get("status")
            if let status, !["queued", "sent", "failed"].contains(status) {
                throw APIError.invalid("status", "status is queued, sent or failed")
            }
            let event = try request.uuidQuery("event_id")
            let paging = try Paging(request)
            return APIResponse.json(
                try await messages(
                    recipient: query.get("recipient"), status: status, event: event,
                    limit: paging.perPage, offset: paging.offset))
        }
        api.get("messages/{id}") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard var message = try await messages(id: id, limit: 1, offset: 0).first else {
                throw APIError.notFound("message")
            }
            message.deliveryAttempts = try await dependencies.database.query(
                """
                SELECT attempted_at, outcome, detail FROM delivery_attempts WHERE message = \(id) ORDER BY attempted_at
                """
            ).map { row in
                let (at, outcome, detail) = try row.decode((Date, String, String?).self)
                return Attempt(at: at, outcome: outcome, detail: detail)
            }
            return APIResponse.json(message)
        }
        // Sends the message again, with the same Message-ID.
        api.post("messages/{id}/resend") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            let found = try await dependencies.store.transaction { transaction -> Bool in
                let rows = try await transaction.query(
                    "UPDATE messages SET status = 'queued' WHERE id = \(id) RETURNING id")
                guard !rows.isEmpty else { return false }
                try await transaction.enqueue(SendEmailTask(messageID: id), dedupeKey: "resend-\(id)-\(UUID())")
                return true
            }
            guard found else { throw APIError.notFound("message") }
            return APIResponse.json(["id": id.uuidString, "status": "queued"], status: .accepted)
        }
    }

    private func messages(
        id: UUID? = nil, recipient: String? = nil, status: String? = nil, event: UUID? = nil,
        limit: Int, offset: Int
    ) async throws -> [Message] {
        try await dependencies.database.query(
            """
            SELECT id, message_id, event_id, event_type, template, recipient, status, attempts, last_error, created_at, sent_at
            FROM messages
            WHERE (\(id)::uuid IS NULL OR id = \(id)) AND (\(recipient)::text IS NULL OR lower(recipient) = lower(\(recipient)))
              AND (\(status)::text IS NULL OR status = \(status)) AND (\(event)::uuid IS NULL OR event_id = \(event))
            ORDER BY created_at DESC, id LIMIT \(limit) OFFSET \(offset)
            """
        ).map { row in
            let (id, messageID, event, type, template, recipient, status, attempts, error, created, sent) =
                try row.decode((UUID, String, UUID?, String, String, String, String, Int, String?, Date, Date?).self)
            return Message(
                id: id, messageID: messageID, eventID: event, eventType: type, template: template, recipient: recipient,
                status: status, attempts: attempts, lastError: error, createdAt: created, sentAt: sent)
        }
    }
}
