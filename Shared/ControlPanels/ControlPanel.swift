/// A hosting control panel's API, as provisioning uses it.
///
/// Each operation is one remote change, and a panel refuses to create a thing twice; after
/// a refusal the caller looks (``account(named:)``, ``mailboxExists(_:username:)``,
/// ``databases(of:)``) to tell a thing an earlier attempt made from a real refusal
/// (``createUnlessPresent(_:isPresent:)``), so a retried step never creates a thing twice.
public protocol ControlPanel: Sendable {
    var kind: PanelKind { get }
    /// The account, or `nil` when the panel has none of that name.
    func account(named username: String) async throws -> PanelAccount?
    func listAccounts() async throws -> [PanelAccount]
    func createAccount(_ account: NewAccount) async throws
    func suspend(_ username: String, reason: String) async throws
    func unsuspend(_ username: String) async throws
    func terminate(_ username: String) async throws
    func changePackage(_ username: String, to plan: String) async throws
    func changePassword(_ username: String, to password: String) async throws
    func mailboxExists(_ address: String, username: String) async throws -> Bool
    func createMailbox(_ mailbox: NewMailbox) async throws
    /// The account's database names.
    func databases(of username: String) async throws -> [String]
    func createDatabase(_ database: NewDatabase) async throws
    func installCertificate(_ certificate: CertificateBundle, username: String, domain: String) async throws
    /// A one-time URL that logs the account's user in to the panel without a password
    /// (single sign-on), for a browser at `userIP`.
    func loginURL(for username: String, userIP: String) async throws -> String
    /// Answers when the panel's API works with these credentials.
    func health() async throws -> PanelHealth
    /// Every account's disk and bandwidth use and limits, in as few calls as the panel allows.
    func usage() async throws -> [PanelUsage]
    /// Sets the account's own limits over its package's (the same values again change nothing).
    func setLimits(_ limits: PanelLimits, username: String, domain: String) async throws
    /// Starts packaging the account into the server's backup destination, outside the
    /// account's quota; returns the panel's handle for the run.
    func startBackup(_ target: PanelBackupTarget) async throws -> String
    func backupState(_ job: String, of target: PanelBackupTarget) async throws -> PanelJobState
    /// Deletes one archive (one already gone is not an error).
    func deleteBackup(_ archive: PanelArchive, of target: PanelBackupTarget) async throws
    /// Starts returning the account to an archive's state; returns the panel's handle for the run.
    func startRestore(_ archive: PanelArchive, of target: PanelBackupTarget) async throws -> String
    func restoreState(_ job: String, of target: PanelBackupTarget) async throws -> PanelJobState
    /// The domain's DKIM public key record as the panel signs its mail, `nil` when it signs none.
    func dkimKey(username: String, domain: String) async throws -> PanelDKIM?
}

/// A DKIM public key record: the TXT at `<selector>._domainkey.<domain>`.
public struct PanelDKIM: Sendable, Equatable, Codable {
    public var selector: String
    /// `v=DKIM1; k=rsa; p=…`, unquoted.
    public var record: String

    public init(selector: String, record: String) {
        self.selector = selector
        self.record = record
    }
}

/// The control panel products Hostwire speaks to.
public enum PanelKind: String, Sendable, Codable, CaseIterable {
    case cpanel, plesk, directadmin
}

/// Where a panel's API is and how to log in to it.
public struct PanelEndpoint: Sendable {
    /// For example `https://whm1.example.net:2087`.
    public var baseURL: String
    public var username: String
    /// API token (WHM, Plesk key) or password (DirectAdmin login key).
    public var secret: String
    public var timeout: Duration

    public init(baseURL: String, username: String, secret: String, timeout: Duration = .seconds(30)) {
        self.baseURL = baseURL
        self.username = username
        self.secret = secret
        self.timeout = timeout
    }
}

public struct PanelAccount: Sendable, Equatable, Codable {
    public var username: String
    public var domain: String
    public var plan: String
    public var suspended: Bool
    public var suspendReason: String?

    public init(username: String, domain: String, plan: String, suspended: Bool, suspendReason: String? = nil) {
        self.username = username
        self.domain = domain
        self.plan = plan
        self.suspended = suspended
        self.suspendReason = suspendReason
    }
}

public struct NewAccount: Sendable {
    public var username: String
    public var domain: String
    public var plan: String
    public var password: String
    public var contactEmail: String
    /// The IPv4 address the account is given (DirectAdmin and Plesk need one).
    public var ip: String

    public init(username: String, domain: String, plan: String, password: String, contactEmail: String, ip: String) {
        self.username = username
        self.domain = domain
        self.plan = plan
        self.password = password
        self.contactEmail = contactEmail
        self.ip = ip
    }
}

public struct NewMailbox: Sendable {
    public var username: String
    public var localPart: String
    public var domain: String
    public var password: String
    /// Megabytes; 0 is unlimited.
    public var quotaMB: Int

    public init(username: String, localPart: String, domain: String, password: String, quotaMB: Int) {
        self.username = username
        self.localPart = localPart
        self.domain = domain
        self.password = password
        self.quotaMB = quotaMB
    }

    public var address: String { "\(localPart)@\(domain)" }
}

public struct NewDatabase: Sendable {
    public var username: String
    /// The owning account's domain (Plesk attaches databases to a domain).
    public var domain: String
    /// Full name, already prefixed with `<username>_` where the panel prefixes.
    public var name: String
    public var user: String
    public var password: String

    public init(username: String, domain: String, name: String, user: String, password: String) {
        self.username = username
        self.domain = domain
        self.name = name
        self.user = user
        self.password = password
    }
}

/// A certificate in PEM: the leaf, its private key and the chain above it.
public struct CertificateBundle: Sendable {
    public var certificate: String
    public var privateKey: String
    public var chain: String

    public init(certificate: String, privateKey: String, chain: String) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.chain = chain
    }
}

public struct PanelHealth: Sendable, Codable, Equatable {
    public var version: String
    public var accounts: Int

    public init(version: String, accounts: Int) {
        self.version = version
        self.accounts = accounts
    }
}
