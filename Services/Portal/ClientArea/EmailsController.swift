import Foundation
import Hummingbird

/// The emails sent to the customer, readable in the portal (mail renders them with every
/// password and single-use link left out: the portal never holds a secret of the customer's).
struct EmailsController: Sendable {
    let pages: PageRenderer
    let services: ServiceAPIs
    let link: CustomerLink

    func addRoutes(to router: RouterGroup<PortalRequestContext>) {
        router.get("emails", use: list)
        router.get("emails/{id}", use: show)
    }

    @Sendable func list(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let session = try await link.session(context)
        let rows: [[String: Any]] = try await services.emails(session).map { email in
            [
                "id": email.id.uuidString.lowercased(), "subject": email.subject,
                "sent_at": AccountController.dateTime(email.sentAt),
            ]
        }
        return pages.render(
            "emails", ["emails": rows, "has_emails": !rows.isEmpty, "title": "Emails"], context: context)
    }

    @Sendable func show(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let session = try await link.session(context)
        guard let id = context.parameters.get("id", as: UUID.self), let email = try await services.email(id, session)
        else {
            throw PortalError.notFound
        }
        return pages.render(
            "email",
            [
                "subject": email.subject, "sent_at": AccountController.dateTime(email.sentAt), "text": email.text ?? "",
                "title": email.subject,
            ], context: context)
    }
}
