import Foundation
import HTTPSupport
import Hummingbird
import Mail
import Validation

/// The email templates for operators: the one in force and its history, a new version (it
/// must compile), a restore of an earlier one, and a preview with sample data.
struct MailTemplatesController: Sendable {
    let versions: TemplateVersions
    let settings: MailSettings

    struct Summary: Encodable {
        let name: String, version: Int?, author: String?, changedAt: Date?
        enum CodingKeys: String, CodingKey {
            case name, version, author
            case changedAt = "changed_at"
        }
    }

    struct Detail: Encodable {
        let name: String
        /// The version in force; `nil` for the file template.
        let version: Int?
        let current: TemplateStore.Source
        let file: TemplateStore.Source
        let versions: [TemplateVersions.Version]
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.get("templates") { _, _ in
            let inForce = try await versions.inForce()
            return APIResponse.json(
                TemplateStore.names.map { name in
                    Summary(
                        name: name, version: inForce[name]?.version, author: inForce[name]?.author,
                        changedAt: inForce[name]?.createdAt)
                })
        }
        api.get("templates/{name}") { _, context in
            let name = try Self.name(context)
            let history = try await versions.versions(name)
            let file = versions.files.sources[name]!
            let current =
                history.first.map { TemplateStore.Source(subject: $0.subject, text: $0.text, html: $0.html) } ?? file
            return APIResponse.json(
                Detail(name: name, version: history.first?.version, current: current, file: file, versions: history))
        }
        api.put("templates/{name}") { request, context in
            let name = try Self.name(context)
            let source = try await Self.source(request)
            let version = try await Self.compiling {
                try await versions.save(name, source, author: context.actor(claimed: nil))
            }
            return APIResponse.json(["name": name, "version": "\(version)"], status: .created)
        }
        api.post("templates/{name}/restore") { request, context in
            let name = try Self.name(context)
            struct Body: Decodable { let version: Int }
            let body = try await APIResponse.decode(Body.self, from: request)
            guard let old = try await versions.versions(name).first(where: { $0.version == body.version }) else {
                throw APIError.notFound("template version")
            }
            let version = try await versions.save(
                name, .init(subject: old.subject, text: old.text, html: old.html),
                author: context.actor(claimed: nil))
            return APIResponse.json(["name": name, "version": "\(version)"], status: .created)
        }
        api.post("templates/{name}/preview") { request, context in
            _ = try Self.name(context)
            let source = try await Self.source(request)
            let compiled = try await Self.compiling { try TemplateStore.compile(source) }
            let rendered = compiled.render(sample)
            return APIResponse.json(["subject": rendered.subject, "text": rendered.text, "html": rendered.html])
        }
        api.post("templates/{name}/test") { request, context in try await sendTest(try Self.name(context), request) }
    }

    struct TestRequest: Decodable {
        let to: String
        /// A draft to send instead of the version in force.
        let subject: String?, text: String?, html: String?
    }

    /// Sends `name` (or a draft of it) on sample data to one address now, marked as a test;
    /// nothing is recorded as sent to a customer.
    private func sendTest(_ name: String, _ request: Request) async throws -> Response {
        let body = try await APIResponse.decode(TestRequest.self, from: request)
        guard let to = try? EmailAddress(body.to) else {
            throw APIError.invalid("to", "to is an address we can write to")
        }
        let rendered: TemplateStore.Rendered
        if let subject = body.subject, let text = body.text, let html = body.html {
            let source = try Self.checked(TemplateStore.Source(subject: subject, text: text, html: html))
            rendered = try await Self.compiling { try TemplateStore.compile(source) }.render(sample)
        } else {
            rendered = try await versions.render(name, sample)
        }
        let message = MIMEMessage(
            from: settings.from, replyTo: settings.replyTo, to: .init(to.address),
            subject: "[Test] " + rendered.subject, text: rendered.text, html: rendered.html,
            messageID: "test-\(UUID().uuidString.lowercased())@\(settings.messageIDDomain)", date: Date())
        do throws(MailDeliveryError) {
            try await settings.transport.send(message.rendered(), from: settings.from.email, to: [to.address])
        } catch {
            throw APIError(.badGateway, code: "not_sent", "the mail server did not take the test: \(error.description)")
        }
        return APIResponse.json(["sent_to": to.address, "subject": message.subject], status: .accepted)
    }

    /// What a preview fills in: a value for every variable the templates use.
    private var sample: [String: Any] {
        [
            "company_name": settings.companyName, "support_email": settings.supportEmail,
            "customer_name": "Ada Lovelace",
            "domain": "example.com", "username": "adalovel", "password": "(the password is in the real email)",
            "server": "whm1.example.net", "link": "https://portal.example.com/link",
            "pay_url": "https://portal.example.com/invoices/1",
            "invoice_number": "INV-000123", "amount": "$4.99", "currency": "USD", "due_date": "2026-12-31",
            "period_start": "2026-12-01", "period_end": "2026-12-31", "auto_charge": true,
            "product_name": "Starter Hosting",
            "effective_on": "2026-12-31", "reason": "a sample reason", "title": "A sample alert",
            "summary": "What happened, in a sentence.",
            "action": "What to do about it.", "expires_on": "2027-01-15", "days_left": 14,
        ]
    }

    private static func name(_ context: ServiceRequestContext) throws -> String {
        let name = try context.parameters.require("name")
        guard TemplateStore.names.contains(name) else { throw APIError.notFound("template") }
        return name
    }

    private static func source(_ request: Request) async throws -> TemplateStore.Source {
        try checked(try await APIResponse.decode(TemplateStore.Source.self, from: request))
    }

    private static func checked(_ source: TemplateStore.Source) throws -> TemplateStore.Source {
        guard !source.subject.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, source.subject.count <= 500
        else {
            throw APIError.invalid("subject", "subject is 1 to 500 characters")
        }
        guard source.text.utf8.count <= 64 * 1024, source.html.utf8.count <= 128 * 1024 else {
            throw APIError.invalid("text", "text is at most 64 KiB and html at most 128 KiB")
        }
        return source
    }

    /// Runs `body`, answering a template that does not compile with 422 and the parser's words.
    private static func compiling<R>(_ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch let error as APIError {
            throw error
        } catch let error as TemplateError {
            throw APIError(.conflict, code: "template_busy", error.description)
        } catch {
            throw APIError.invalid("template", "the template does not parse: \(error)")
        }
    }
}
