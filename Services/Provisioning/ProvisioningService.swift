import ControlPanels
import Foundation
import HTTPSupport
import Hummingbird
import Persistence
import PortalTokens
import Secrets
import ServiceKit

/// Provisioning's settings, read from the environment (docs/configuration.md).
public struct ProvisioningSettings: Sendable {
    /// Seals panel credentials and account passwords at rest.
    public var cipher: CredentialCipher
    /// Seals new passwords for the mail service; `nil` sends none.
    public var mailSealer: FieldSealer?
    /// Opens certificate keys DNS/SSL sealed for provisioning; `nil` installs none.
    public var certificateKeyOpener: FieldOpener?
    public var apiTokens: APITokens
    /// Verifies the portal's customer tokens; without it `/api/customer` is not served.
    public var customers: CustomerAuthentication?
    public var panels: PanelRegistry
    public var panelTimeout: Duration
    /// The local part of the mailbox every account gets (`info` → info@domain).
    public var defaultMailbox: String
    /// How long a provisioning waits before looking again for a server with room.
    public var noRoomRetry: Duration
    /// How often every server's panel is checked; zero checks only when asked.
    public var serverHealthInterval: Duration
    /// Failed health checks in a row that take a server out of placement.
    public var unhealthyAfter: Int
    /// Backups running at once on one server.
    public var backupsPerServer: Int
    /// How often a backup or restore in progress on a panel is looked at.
    public var backupPoll: Duration
    /// A backup or restore the panel has not finished by then counts as failed.
    public var backupDeadline: Duration

    public init(
        cipher: CredentialCipher, mailSealer: FieldSealer?, certificateKeyOpener: FieldOpener? = nil,
        apiTokens: APITokens,
        panels: PanelRegistry = .standard, panelTimeout: Duration = .seconds(30), defaultMailbox: String = "info",
        noRoomRetry: Duration = .seconds(60), serverHealthInterval: Duration = .seconds(30), unhealthyAfter: Int = 2,
        backupsPerServer: Int = 2, backupPoll: Duration = .seconds(5), backupDeadline: Duration = .seconds(6 * 3600)
    ) {
        self.cipher = cipher
        self.mailSealer = mailSealer
        self.certificateKeyOpener = certificateKeyOpener
        self.apiTokens = apiTokens
        self.panels = panels
        self.panelTimeout = panelTimeout
        self.defaultMailbox = defaultMailbox
        self.noRoomRetry = noRoomRetry
        self.serverHealthInterval = serverHealthInterval
        self.unhealthyAfter = max(1, unhealthyAfter)
        self.backupsPerServer = max(1, backupsPerServer)
        self.backupPoll = backupPoll
        self.backupDeadline = backupDeadline
    }

    public static func load(_ environment: Persistence.Environment = Persistence.Environment()) throws
        -> ProvisioningSettings
    {
        guard let ring = try environment.secret("HOSTWIRE_CREDENTIAL_KEYS") else {
            throw SettingsError("HOSTWIRE_CREDENTIAL_KEYS is required (id=base64 32-byte key[,…])")
        }
        return ProvisioningSettings(
            cipher: try CredentialCipher(ring: ring, currentKeyID: environment.optional("HOSTWIRE_CREDENTIAL_KEY_ID")),
            mailSealer: try environment.optional("HOSTWIRE_MAIL_SEAL_PUBLIC_KEY").map {
                try FieldSealer(publicKey: $0, purpose: "account.password")
            },
            certificateKeyOpener: try environment.secret("HOSTWIRE_CERT_SEAL_PRIVATE_KEY").map {
                try FieldOpener(privateKey: $0, purpose: "certificate.key")
            },
            apiTokens: try APITokens(parsing: try environment.secret("HOSTWIRE_API_TOKENS") ?? ""),
            panelTimeout: .seconds(try environment.int("HOSTWIRE_PANEL_TIMEOUT_SECONDS", default: 30)),
            defaultMailbox: environment.string("HOSTWIRE_DEFAULT_MAILBOX", default: "info"),
            noRoomRetry: .seconds(try environment.int("HOSTWIRE_NO_ROOM_RETRY_SECONDS", default: 60)),
            serverHealthInterval: .seconds(try environment.int("HOSTWIRE_SERVER_HEALTH_INTERVAL_SECONDS", default: 30)),
            unhealthyAfter: try environment.int("HOSTWIRE_SERVER_UNHEALTHY_AFTER", default: 2),
            backupsPerServer: try environment.int("HOSTWIRE_BACKUPS_PER_SERVER", default: 2),
            backupPoll: .milliseconds(
                min(max(try environment.int("HOSTWIRE_BACKUP_POLL_MS", default: 5_000), 50), 600_000)),
            backupDeadline: .seconds(
                60 * min(max(try environment.int("HOSTWIRE_BACKUP_DEADLINE_MINUTES", default: 360), 1), 10_080)))
    }
}

/// Who may change what in provisioning: support manages accounts, only owners and admins
/// terminate them or change servers.
let adminPolicy = AdminPolicy([
    "POST /api/accounts/*/suspend": .manageAccounts, "POST /api/accounts/*/unsuspend": .manageAccounts,
    "POST /api/accounts/*/change-package": .manageAccounts, "POST /api/accounts/*/reset-password": .manageAccounts,
    "POST /api/accounts/*/terminate": .terminateAccounts,
    "POST /api/accounts/*/backups": .manageAccounts, "POST /api/accounts/*/restore": .manageAccounts,
])

/// The provisioning service: servers, accounts, and the tasks that drive the panels.
public func buildProvisioning(_ settings: ProvisioningSettings) -> ServiceDefinition {
    var definition = ServiceDefinition(name: "provisioning")
    definition.apiTokens = settings.apiTokens
    let panels = PanelDirectory(registry: settings.panels, cipher: settings.cipher, timeout: settings.panelTimeout)
    AccountCommands.register(in: &definition)
    AccountTasks(panels: panels, settings: settings).register(in: &definition)
    UsageSync(panels: panels, settings: settings).register(in: &definition)
    BackupTasks(panels: panels, settings: settings).register(in: &definition)
    definition.routes = { router, dependencies in
        let accounts = AccountStore(database: dependencies.database, logger: dependencies.logger)
        let servers = ServerStore(database: dependencies.database, cipher: settings.cipher, logger: dependencies.logger)
        let provisioner = Provisioner(accounts: accounts, servers: servers, panels: panels, settings: settings)
        let api = router.group("api").add(
            middleware: BearerAuthMiddleware(tokens: settings.apiTokens, policy: adminPolicy, audit: dependencies.store)
        )
        let health = ServerHealthCheck(
            servers: servers, panels: panels, unhealthyAfter: settings.unhealthyAfter, logger: dependencies.logger)
        ServersController(servers: servers, health: health).addRoutes(to: api)
        ProvisioningController(dependencies: dependencies, accounts: accounts, provisioner: provisioner).addRoutes(
            to: api)
        AccountActionsController(store: dependencies.store, accounts: accounts).addRoutes(to: api)
        BackupsController(store: dependencies.store, accounts: accounts).addRoutes(to: api)
        UsageController(
            usage: UsageStore(database: dependencies.database, logger: dependencies.logger), accounts: accounts
        )
        .addRoutes(to: api)
        if let customers = settings.customers {
            CustomerAccountsController(
                store: dependencies.store, customers: customers, cipher: settings.cipher, accounts: accounts,
                servers: servers, panels: panels
            )
            .addRoutes(to: router.group("api/customer"))
            let access = CustomerAccountAccess(customers: customers, accounts: accounts)
            CustomerBackupsController(store: dependencies.store, access: access)
                .addRoutes(to: router.group("api/customer"))
            CustomerUsageController(
                usage: UsageStore(database: dependencies.database, logger: dependencies.logger), access: access
            )
            .addRoutes(to: router.group("api/customer"))
        }
    }
    definition.services = { dependencies in
        guard settings.serverHealthInterval > .zero else { return [] }
        let servers = ServerStore(database: dependencies.database, cipher: settings.cipher, logger: dependencies.logger)
        let check = ServerHealthCheck(
            servers: servers, panels: panels, unhealthyAfter: settings.unhealthyAfter, logger: dependencies.logger)
        return [ServerHealthMonitor(servers: servers, check: check, interval: settings.serverHealthInterval)]
    }
    return definition
}
