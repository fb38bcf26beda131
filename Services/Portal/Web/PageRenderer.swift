import Foundation
import Hummingbird
import Mustache

/// Renders the portal's Mustache pages (every value HTML-escaped) inside the layout.
struct PageRenderer: Sendable {
    private let library: MustacheLibrary
    private let companyName: String
    private let supportEmail: String

    static let pages = [
        "home", "signup", "check-email", "verify", "login", "reset-request", "reset-choose", "services",
        "invoices", "invoice", "security", "error", "order", "order-status",
        "two-factor", "two-factor-setup", "login-two-factor", "cancel", "control-panel", "panel-password", "emails",
        "email", "profile", "data", "dns", "change-email", "confirm-email", "change-plan", "backups", "backups-list",
        "restore",
        "usage",
        "console-error", "console-login", "console-two-factor", "console-two-factor-setup", "console-recovery-codes",
        "console-invitation", "console-dashboard", "console-figures", "console-accounts", "console-account",
        "console-tasks", "console-audit", "console-staff", "console-invoices", "console-invoice", "console-api-keys",
        "console-customers", "console-customer", "console-servers", "console-dead-letters", "console-catalog",
        "console-dns", "console-templates", "console-template", "console-billing", "console-bus",
        "console-usage",
    ]

    /// The navigation entry a page belongs to, when not its own.
    static let section = [
        "invoice": "invoices", "two-factor": "security", "two-factor-setup": "security", "cancel": "services",
        "control-panel": "services", "panel-password": "services", "dns": "services",
        "email": "emails", "profile": "security", "data": "security", "change-email": "security",
        "confirm-email": "security", "change-plan": "services", "backups": "services", "restore": "services",
        "usage": "services",
        "console-dashboard": "console_dashboard", "console-figures": "console_dashboard",
        "console-accounts": "console_accounts", "console-account": "console_accounts", "console-tasks": "console_tasks",
        "console-audit": "console_audit", "console-staff": "console_staff",
        "console-invoices": "console_invoices", "console-invoice": "console_invoices",
        "console-api-keys": "console_api_keys",
        "console-customers": "console_customers", "console-customer": "console_customers",
        "console-servers": "console_servers", "console-dead-letters": "console_tasks",
        "console-catalog": "console_catalog", "console-dns": "console_servers", "console-usage": "console_servers",
        "console-templates": "console_catalog", "console-template": "console_catalog",
        "console-billing": "console_billing", "console-bus": "console_tasks",
    ]

    /// Loads every page now, so a broken template stops the portal at start, not in front of a customer.
    init(settings: PortalSettings) async throws {
        library = try await MustacheLibrary(directory: settings.templates.path)
        for page in Self.pages where library.getTemplate(named: page) == nil {
            throw PageError(description: "no template \(page).mustache in \(settings.templates.path)")
        }
        companyName = settings.companyName
        supportEmail = settings.supportEmail
    }

    func render(
        _ page: String, _ values: [String: Any], context: some WebRequestContext,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var values = values
        values["company_name"] = companyName
        values["support_email"] = supportEmail
        values["csrf"] = context.csrfToken
        values["nav_\(Self.section[page] ?? page)"] = true
        values["has_errors"] = (values["errors"] as? [String]).map { !$0.isEmpty } ?? false
        values.merge(context.signedInValues) { $1 }
        let html = library.render(Self.withoutEmptyText(values), withTemplate: page) ?? ""
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

extension PageRenderer {
    /// `values` without its empty strings, at every depth. swift-mustache opens a section for
    /// an empty string, so `{{#company}}<dt>Company</dt>…{{/company}}` would show an empty
    /// row (and a page without a notice an empty notice); an absent key renders as nothing
    /// either way.
    static func withoutEmptyText(_ values: [String: Any]) -> [String: Any] {
        values.compactMapValues(withoutEmptyText)
    }

    private static func withoutEmptyText(_ value: Any) -> Any? {
        switch value {
        case let text as String: text.isEmpty ? nil : text
        case let dictionary as [String: Any]: withoutEmptyText(dictionary)
        case let list as [[String: Any]]: list.map(withoutEmptyText)
        case let list as [Any]: list.compactMap(withoutEmptyText)
        default: value
        }
    }
}

struct PageError: Error, CustomStringConvertible {
    let description: String
}
