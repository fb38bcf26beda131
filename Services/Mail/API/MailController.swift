import Foundation
import HTTPSupport
import Hummingbird
import ServiceKit

/// `/api/mail`: the delivery log by recipient, status or event, one message with its
/// attempts, resend, and the task endpoints.
struct MailController: Sendable {
    let dependencies: ServiceDependencies

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        TasksController<ServiceRequestContext>(store: dependencies.store, registry: dependencies.taskRegistry)
            .addRoutes(to: api)
        api.get("messages") { request, _ in
            let query = request.uri.queryParameters
            let status = try request.query(
                "status", as: MessageStatus.self, otherwise: "status is queued, sent or failed")
            let event = try request.uuidQuery("event_id")
            let paging = try Paging(request)
            return APIResponse.json(
                try await MessageStore.messages(
                    recipient: query.get("recipient"), status: status, event: event,
                    limit: paging.perPage, offset: paging.offset, in: dependencies.database))
        }
        api.get("messages/{id}") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard let message = try await MessageStore.message(id, in: dependencies.database) else {
                throw APIError.notFound("message")
            }
            return APIResponse.json(message)
        }
        // Sends the message again, with the same Message-ID.
        api.post("messages/{id}/resend") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            let found = try await dependencies.store.transaction { try await MessageStore.resend(id, in: $0) }
            guard found else { throw APIError.notFound("message") }
            return APIResponse.json(["id": id.uuidString, "status": "queued"], status: .accepted)
        }
    }
}
