import Foundation
import HTTPSupport
import Hummingbird
import Persistence

/// `/api/customer/messages`: the emails sent to the customer the portal's token names — those
/// queued for them and those about their accounts — rendered again for reading, with every
/// sealed field left sealed: a password or a single-use link is only ever in the email itself.
struct CustomerMessagesController: Sendable {
    let database: Database
    let customers: CustomerAuthentication
    let templates: TemplateVersions

    struct Summary: Encodable {
        let id: UUID, template: String, subject: String, sentAt: Date
        enum CodingKeys: String, CodingKey {
            case id, template, subject
            case sentAt = "sent_at"
        }
    }

    struct Message: Encodable {
        let id: UUID, subject: String, text: String, sentAt: Date
        enum CodingKeys: String, CodingKey {
            case id, subject, text
            case sentAt = "sent_at"
        }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.get("messages") { request, _ in
            let customer = try await customers.customer(request)
            let paging = try Paging(request)
            let rows = try await MessageStore.sent(
                to: customer, id: nil, limit: paging.perPage, offset: paging.offset, in: database)
            var items: [Summary] = []
            for row in rows {
                items.append(
                    Summary(
                        id: row.id, template: row.template,
                        subject: try await templates.render(row.template, row.variables).subject,
                        sentAt: row.sentAt))
            }
            return APIResponse.json(["items": items])
        }
        api.get("messages/{id}") { request, context in
            let customer = try await customers.customer(request)
            guard let id = context.parameters.get("id", as: UUID.self),
                let row = try await MessageStore.sent(to: customer, id: id, limit: 1, offset: 0, in: database).first
            else { throw APIError.notFound("message") }
            let rendered = try await templates.render(row.template, row.variables)
            return APIResponse.json(
                Message(id: row.id, subject: rendered.subject, text: rendered.text, sentAt: row.sentAt))
        }
    }
}
