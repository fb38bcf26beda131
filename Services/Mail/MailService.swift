import Foundation
import HTTPSupport
import Hummingbird
import Mail
import Persistence
import PortalTokens
import Secrets
import ServiceKit

/// Mail's settings, read from the environment (docs/configuration.md).
public struct MailSettings: Sendable {
    public var transport: any MailTransport
    public var from: MIMEMessage.Address
    public var replyTo: MIMEMessage.Address?
    /// Opens passwords sealed for mail; without it the password shows as a placeholder.
    public var opener: FieldOpener?
    /// Opens the portal's links (verification, password reset) sealed for mail.
    public var linkOpener: FieldOpener?
    public var apiTokens: APITokens
    public var companyName: String
    public var supportEmail: String
    /// The customer portal (`HOSTWIRE_PORTAL_URL`): invoice emails link to the invoice's page there.
    public var portalURL: String?
    /// Where operator alerts go; none are sent when unset.
    public var operatorEmail: String?
    /// The right-hand side of Message-IDs.
    public var messageIDDomain: String
    public var templates: URL
    public var templateOverrides: URL?
    /// Verifies the portal's customer tokens; without it `/api/customer` is not served.
    public var customers: CustomerAuthentication?

    public init(
        transport: any MailTransport, from: MIMEMessage.Address, replyTo: MIMEMessage.Address? = nil,
        opener: FieldOpener?,
        linkOpener: FieldOpener? = nil, apiTokens: APITokens, companyName: String = "Hostwire",
        supportEmail: String = "support@hostwire.local", portalURL: String? = nil, operatorEmail: String? = nil,
        messageIDDomain: String = "hostwire.local",
        templates: URL = URL(fileURLWithPath: "Services/Mail/Templates"), templateOverrides: URL? = nil
    ) {
        self.transport = transport
        self.from = from
        self.replyTo = replyTo
        self.opener = opener
        self.linkOpener = linkOpener
        self.apiTokens = apiTokens
        self.companyName = companyName
        self.supportEmail = supportEmail
        self.portalURL = portalURL
        self.operatorEmail = operatorEmail
        self.messageIDDomain = messageIDDomain
        self.templates = templates
        self.templateOverrides = templateOverrides
    }

    public static func load(_ environment: Persistence.Environment = Persistence.Environment()) throws
        -> MailSettings
    {
        guard
            let security = SMTPTransport.Security(
                rawValue: environment.string("HOSTWIRE_SMTP_SECURITY", default: "starttls"))
        else {
            throw SettingsError("HOSTWIRE_SMTP_SECURITY is none, starttls or tls")
        }
        let transport = SMTPTransport(
            host: environment.string("HOSTWIRE_SMTP_HOST", default: "127.0.0.1"),
            port: try environment.int("HOSTWIRE_SMTP_PORT", default: security == .tls ? 465 : 587), security: security,
            username: environment.optional("HOSTWIRE_SMTP_USERNAME"),
            password: try environment.secret("HOSTWIRE_SMTP_PASSWORD"),
            caFile: environment.optional("HOSTWIRE_SMTP_CA_FILE"),
            timeout: .seconds(try environment.int("HOSTWIRE_SMTP_TIMEOUT_SECONDS", default: 60)))
        return MailSettings(
            transport: transport,
            from: .init(
                environment.string("HOSTWIRE_MAIL_FROM", default: "hosting@hostwire.local"),
                name: environment.optional("HOSTWIRE_MAIL_FROM_NAME")),
            replyTo: environment.optional("HOSTWIRE_MAIL_REPLY_TO").map { .init($0) },
            opener: try environment.secret("HOSTWIRE_MAIL_SEAL_PRIVATE_KEY").map {
                try FieldOpener(privateKey: $0, purpose: "account.password")
            },
            linkOpener: try environment.secret("HOSTWIRE_MAIL_SEAL_PRIVATE_KEY").map {
                try FieldOpener(privateKey: $0, purpose: "portal.link")
            },
            apiTokens: try APITokens(parsing: try environment.secret("HOSTWIRE_API_TOKENS") ?? ""),
            companyName: environment.string("HOSTWIRE_COMPANY_NAME", default: "Hostwire"),
            supportEmail: environment.string("HOSTWIRE_SUPPORT_EMAIL", default: "support@hostwire.local"),
            portalURL: environment.optional("HOSTWIRE_PORTAL_URL").map {
                $0.hasSuffix("/") ? String($0.dropLast()) : $0
            },
            operatorEmail: environment.optional("HOSTWIRE_OPERATOR_EMAIL"),
            messageIDDomain: environment.string("HOSTWIRE_MESSAGE_ID_DOMAIN", default: "hostwire.local"),
            templates: URL(
                fileURLWithPath: environment.string("HOSTWIRE_MAIL_TEMPLATES", default: "Services/Mail/Templates")),
            templateOverrides: environment.optional("HOSTWIRE_MAIL_TEMPLATE_OVERRIDES").map { URL(fileURLWithPath: $0) }
        )
    }
}

/// The mail service: one email per event and recipient, each sent once, with a delivery log.
public func buildMail(_ settings: MailSettings) throws -> ServiceDefinition {
    var definition = ServiceDefinition(name: "mail")
    definition.apiTokens = settings.apiTokens
    let templates = try TemplateStore(defaults: settings.templates, overrides: settings.templateOverrides)
    MailEvents(settings: settings).register(in: &definition)
    let compiled = CompiledTemplates()
    SendEmail(settings: settings, files: templates, compiled: compiled).register(in: &definition)
    definition.routes = { router, dependencies in
        let api = router.group("api/mail").add(
            middleware: BearerAuthMiddleware(
                tokens: settings.apiTokens,
                policy: AdminPolicy([
                    "POST /api/mail/messages/*/resend": .operateTasks,
                    // A preview changes nothing: whoever may read templates may preview a draft.
                    "POST /api/mail/templates/*/preview": .read,
                ]), audit: dependencies.store))
        let versions = TemplateVersions(database: dependencies.database, files: templates, cache: compiled)
        MailController(dependencies: dependencies).addRoutes(to: api)
        MailTemplatesController(versions: versions, settings: settings).addRoutes(to: api)
        if let customers = settings.customers {
            CustomerMessagesController(database: dependencies.database, customers: customers, templates: versions)
                .addRoutes(to: router.group("api/customer"))
        }
    }
    return definition
}
