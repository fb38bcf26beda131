import ExternalHTTP
import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdAuth
import Mustache
import Persistence
import PortalTokens
import Secrets
import ServiceKit

/// The portal's settings, read from the environment (docs/configuration.md).
public struct PortalSettings: Sendable {
    /// Signs the tokens that name a customer to the other services.
    public var signer: PortalTokenSigner
    /// Seals each person's TOTP secret at rest (`HOSTWIRE_CREDENTIAL_KEYS`, the portal's own ring).
    public var cipher: CredentialCipher
    /// Seals the links in emails for the mail service alone.
    public var linkSealer: FieldSealer
    /// Where people reach the portal: the base of every link in an email.
    public var publicURL: String
    public var checkoutURL: String
    public var provisioningURL: String
    public var billingURL: String
    public var mailURL = "http://127.0.0.1:8084"
    public var dnssslURL = "http://127.0.0.1:8083"
    public var timerURL = "http://127.0.0.1:8086"
    /// The broker's HTTP side, whose counters the console's bus page shows.
    public var brokerURL = "http://127.0.0.1:8090"
    /// The payment provider's page origin, which forms may lead to (Content-Security-Policy).
    public var paymentOrigin: String
    /// Whose `X-Forwarded-For` names the client (`HOSTWIRE_TRUSTED_PROXIES`).
    public var addresses = ClientAddress()
    /// `Secure` on cookies: off only for a portal served over plain HTTP on loopback.
    public var secureCookies: Bool
    public var companyName: String
    public var supportEmail: String
    public var templates: URL
    public var assets: URL
    /// bcrypt's cost: 12 in production (about a quarter of a second per hash here).
    public var passwordCost: UInt8
    /// The bootstrap tokens (`HOSTWIRE_API_TOKENS`): they may only invite staff, so the first owner can be invited.
    public var apiTokens = APITokens([])

    public init(
        signer: PortalTokenSigner, cipher: CredentialCipher, linkSealer: FieldSealer, publicURL: String,
        checkoutURL: String,
        provisioningURL: String, billingURL: String, paymentOrigin: String = "https://checkout.stripe.com",
        secureCookies: Bool = true, companyName: String = "Hostwire",
        supportEmail: String = "support@hostwire.local",
        templates: URL = URL(fileURLWithPath: "Services/Portal/Templates"),
        assets: URL = URL(fileURLWithPath: "Services/Portal/Assets"), passwordCost: UInt8 = 12
    ) {
        self.signer = signer
        self.cipher = cipher
        self.linkSealer = linkSealer
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.checkoutURL = checkoutURL
        self.provisioningURL = provisioningURL
        self.billingURL = billingURL
        self.paymentOrigin = paymentOrigin
        self.secureCookies = secureCookies
        self.companyName = companyName
        self.supportEmail = supportEmail
        self.templates = templates
        self.assets = assets
        self.passwordCost = passwordCost
    }

    public static func load(_ environment: Persistence.Environment = Persistence.Environment()) async throws
        -> PortalSettings
    {
        guard let signingKey = try environment.secret("HOSTWIRE_PORTAL_SIGNING_KEY") else {
            throw SettingsError("HOSTWIRE_PORTAL_SIGNING_KEY is required (a base64 Ed25519 private key)")
        }
        guard let mailKey = environment.optional("HOSTWIRE_MAIL_SEAL_PUBLIC_KEY") else {
            throw SettingsError(
                "HOSTWIRE_MAIL_SEAL_PUBLIC_KEY is required: the portal's emails carry links sealed for mail")
        }
        guard let ring = try environment.secret("HOSTWIRE_CREDENTIAL_KEYS") else {
            throw SettingsError("HOSTWIRE_CREDENTIAL_KEYS is required: it seals the two-factor secrets")
        }
        let cost = try environment.int("HOSTWIRE_PORTAL_PASSWORD_COST", default: 12)
        guard (4...16).contains(cost) else { throw SettingsError("HOSTWIRE_PORTAL_PASSWORD_COST is 4 to 16") }
        var settings = PortalSettings(
            signer: try await PortalTokenSigner(privateKey: signingKey),
            cipher: try CredentialCipher(ring: ring, currentKeyID: environment.optional("HOSTWIRE_CREDENTIAL_KEY_ID")),
            linkSealer: try FieldSealer(publicKey: mailKey, purpose: "portal.link"),
            publicURL: environment.string("HOSTWIRE_PORTAL_URL", default: "http://localhost:8087"),
            checkoutURL: environment.string("HOSTWIRE_CHECKOUT_URL", default: "http://127.0.0.1:8081"),
            provisioningURL: environment.string("HOSTWIRE_PROVISIONING_URL", default: "http://127.0.0.1:8082"),
            billingURL: environment.string("HOSTWIRE_BILLING_URL", default: "http://127.0.0.1:8085"),
            paymentOrigin: environment.string("HOSTWIRE_PORTAL_PAYMENT_ORIGIN", default: "https://checkout.stripe.com"),
            secureCookies: environment.string("HOSTWIRE_PORTAL_SECURE_COOKIES", default: "on") != "off",
            companyName: environment.string("HOSTWIRE_COMPANY_NAME", default: "Hostwire"),
            supportEmail: environment.string("HOSTWIRE_SUPPORT_EMAIL", default: "support@hostwire.local"),
            templates: URL(
                fileURLWithPath: environment.string("HOSTWIRE_PORTAL_TEMPLATES", default: "Services/Portal/Templates")),
            assets: URL(
                fileURLWithPath: environment.string("HOSTWIRE_PORTAL_ASSETS", default: "Services/Portal/Assets")),
            passwordCost: UInt8(cost))
        settings.addresses = ClientAddress.load(environment)
        settings.mailURL = environment.string("HOSTWIRE_MAIL_URL", default: settings.mailURL)
        settings.dnssslURL = environment.string("HOSTWIRE_DNSSSL_URL", default: settings.dnssslURL)
        settings.timerURL = environment.string("HOSTWIRE_TIMER_URL", default: settings.timerURL)
        settings.brokerURL = environment.string("HOSTWIRE_BROKER_URL", default: settings.brokerURL)
        settings.apiTokens = try APITokens(parsing: try environment.secret("HOSTWIRE_API_TOKENS") ?? "")
        return settings
    }
}

/// The portal: the customer's web front end. It owns people and sessions and reaches every
/// other service's data only through their customer-scoped APIs, with a token naming the
/// customer.
public func buildPortal(_ settings: PortalSettings) async throws -> ServiceDefinition {
    var definition = ServiceDefinition(name: "portal")
    OrderProgressEvents.register(in: &definition)
    StaffActionRecords.register(in: &definition)
    let pages = try await PageRenderer(settings: settings)
    let services = ServiceAPIs(settings: settings)
    definition.routes = { router, dependencies in
        let people = PostgresPersonRepository(store: dependencies.store)
        let sessionStore = PostgresSessionStore(database: dependencies.database)
        let web = router.group(context: PortalRequestContext.self)
            .add(middleware: HTMLErrorMiddleware(pages: pages))
            .add(middleware: SecurityHeadersMiddleware(paymentOrigin: settings.paymentOrigin))
        AssetsController(directory: settings.assets).addRoutes(to: web)
        let pagesGroup =
            web
            .add(
                middleware: SessionMiddleware(
                    storage: sessionStore,
                    configuration: .init(
                        sessionCookieParameters: .init(
                            name: "hw_session", secure: settings.secureCookies, sameSite: .lax),
                        keyPrefix: "", defaultSessionExpiration: .seconds(14 * 24 * 3600)))
            )
            .add(middleware: FormMiddleware(secureCookies: settings.secureCookies, addresses: settings.addresses))
        StorefrontController(pages: pages, services: services).addRoutes(to: pagesGroup)
        AccountController(
            pages: pages, people: people, sessions: sessionStore, limiter: RateLimiter(database: dependencies.database),
            services: services, passwords: Passwords(cost: settings.passwordCost), settings: settings
        )
        .addRoutes(to: pagesGroup)
        let twoFactor = TwoFactorController(
            pages: pages, people: people, sessions: sessionStore,
            limiter: RateLimiter(database: dependencies.database), cipher: settings.cipher,
            issuer: settings.companyName)
        twoFactor.addLoginRoutes(to: pagesGroup)
        let emailChange = EmailChangeController(
            pages: pages, people: people, limiter: RateLimiter(database: dependencies.database), services: services,
            passwords: Passwords(cost: settings.passwordCost), settings: settings,
            signIn: SignIn(people: people, sessions: sessionStore, services: services))
        // The link may be opened in another browser than the one that asked for it.
        emailChange.addRoutes(public: pagesGroup)
        // Adding middleware to a group changes the group: routes added to `pagesGroup` from here on would need a login too.
        let signedIn = pagesGroup.add(middleware: RequireLoginMiddleware())
        twoFactor.addAccountRoutes(to: signedIn)
        emailChange.addRoutes(signedIn: signedIn)
        ClientAreaController(pages: pages, services: services, people: people, publicURL: settings.publicURL)
            .addRoutes(to: signedIn)
        let link = CustomerLink(services: services, people: people)
        ControlPanelController(pages: pages, services: services, link: link).addRoutes(to: signedIn)
        DNSRecordsController(pages: pages, services: services, link: link).addRoutes(to: signedIn)
        BackupPagesController(pages: pages, services: services, link: link).addRoutes(to: signedIn)
        UsagePagesController(pages: pages, services: services, link: link).addRoutes(to: signedIn)
        PlanChangePagesController(pages: pages, services: services, link: link).addRoutes(to: signedIn)
        EmailsController(pages: pages, services: services, link: link).addRoutes(to: signedIn)
        ProfileController(pages: pages, people: people, sessions: sessionStore, services: services).addRoutes(
            to: signedIn)
        OrderPagesController(
            pages: pages, services: services, progress: OrderProgressRepository(database: dependencies.database),
            people: people, publicURL: settings.publicURL
        ).addRoutes(to: signedIn)
        addConsole(to: router, pages: pages, services: services, settings: settings, dependencies: dependencies)
    }
    return definition
}

/// The staff console under `/console`: its own session cookie (path `/console`, `SameSite=Strict`,
/// 30 minutes idle), its own login with two-factor required, and its own pages.
private func addConsole(
    to router: Router<ServiceRequestContext>, pages: PageRenderer, services: ServiceAPIs, settings: PortalSettings,
    dependencies: ServiceDependencies
) {
    let staff = PostgresStaffRepository(store: dependencies.store)
    var sessionStore = PostgresSessionStore(database: dependencies.database)
    sessionStore.kind = .staff
    let audit = AuditLog(database: dependencies.database)
    let apis = StaffAPIs(settings: settings, calls: services)
    let invitations = StaffInvitations(staff: staff, settings: settings)
    let apiKeys = StaffAPIKeys(database: dependencies.database)
    StaffTokenController(keys: apiKeys, signer: settings.signer, addresses: settings.addresses).addRoutes(
        to: router.group("api/portal"))
    StaffInvitationsController(invitations: invitations, audit: audit)
        .addRoutes(
            to: router.group("api/portal").add(middleware: BearerAuthMiddleware(tokens: settings.apiTokens, audit: nil))
        )
    let console = router.group("console", context: ConsoleRequestContext.self)
        .add(middleware: HTMLErrorMiddleware(pages: pages, template: "console-error"))
        .add(middleware: SecurityHeadersMiddleware(paymentOrigin: nil))
        .add(
            middleware: SessionMiddleware(
                storage: sessionStore,
                configuration: .init(
                    sessionCookieParameters: .init(
                        name: ConsoleLoginController.cookie, path: "/console", secure: settings.secureCookies,
                        sameSite: .strict),
                    keyPrefix: "", defaultSessionExpiration: StaffSession.idleTimeout))
        )
        .add(middleware: FormMiddleware(secureCookies: settings.secureCookies, addresses: settings.addresses))
    ConsoleLoginController(
        pages: pages, staff: staff, sessions: sessionStore, limiter: RateLimiter(database: dependencies.database),
        passwords: Passwords(cost: settings.passwordCost), cipher: settings.cipher, audit: audit,
        issuer: "\(settings.companyName) console"
    )
    .addRoutes(to: console)
    let signedIn = console.add(middleware: RequireStaffMiddleware())
    DashboardController(pages: pages, apis: apis).addRoutes(to: signedIn)
    AccountsConsoleController(pages: pages, apis: apis, audit: audit).addRoutes(to: signedIn)
    BillingConsoleController(pages: pages, apis: apis, audit: audit).addRoutes(to: signedIn)
    BillingSetupConsoleController(pages: pages, apis: apis, audit: audit).addRoutes(to: signedIn)
    TasksConsoleController(pages: pages, apis: apis, audit: audit).addRoutes(to: signedIn)
    BusConsoleController(pages: pages, broker: ExternalHTTPClient(baseURL: settings.brokerURL, timeout: .seconds(4)))
        .addRoutes(to: signedIn)
    OperationsConsoleController(pages: pages, apis: apis, audit: audit).addRoutes(to: signedIn)
    CatalogConsoleController(pages: pages, apis: apis, audit: audit).addRoutes(to: signedIn)
    DNSConsoleController(pages: pages, apis: apis, audit: audit).addRoutes(to: signedIn)
    TemplatesConsoleController(pages: pages, apis: apis, audit: audit).addRoutes(to: signedIn)
    AuditController(pages: pages, audit: audit).addRoutes(to: signedIn)
    StaffController(pages: pages, staff: staff, invitations: invitations, audit: audit, sessions: sessionStore)
        .addRoutes(to: signedIn)
    APIKeysController(pages: pages, keys: apiKeys, audit: audit).addRoutes(to: signedIn)
    CustomersConsoleController(
        pages: pages, apis: apis, people: PostgresPersonRepository(store: dependencies.store),
        customerSessions: PostgresSessionStore(database: dependencies.database), audit: audit,
        notes: CustomerNotes(database: dependencies.database), secureCookies: settings.secureCookies,
        passwords: Passwords(cost: settings.passwordCost)
    )
    .addRoutes(to: signedIn)
}
