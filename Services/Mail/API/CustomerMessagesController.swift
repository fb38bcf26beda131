import Foundation
import Hummingbird
import Persistence
import PostgresNIO
import ServiceRuntime

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
            let rows = try await sent(to: customer, id: nil, limit: paging.perPage, offset: paging.offset)
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
                let row = try await sent(to: customer, id: id, limit: 1, offset: 0).first
            else { throw APIError.notFound("message") }
            let rendered = try await templates.render(row.template, row.variables)
            return APIResponse.json(
                Message(id: row.id, subject: rendered.subject, text: rendered.text, sentAt: row.sentAt))
        }
    }

    private struct Row { let id: UUID, template: String, variables: [String: Any], sentAt: Date }

    private func sent(to customer: UUID, id: UUID?, limit: Int, offset: Int) async throws -> [Row] {
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
            return Row(id: id, template: template, variables: variables, sentAt: sentAt)
        }
    }
}
