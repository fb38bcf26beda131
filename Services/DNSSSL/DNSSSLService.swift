import ACME
import DNS
import Foundation
import HTTPSupport
import Hummingbird
import Persistence
import PortalTokens
import Secrets
import ServiceKit

/// DNS/SSL's settings, read from the environment (docs/configuration.md).
public struct DNSSSLSettings: Sendable {
    public var dns: any DNSProvider
    /// Authoritative servers asked directly for a challenge's TXT before the CA is told to look.
    public var checkServers: [DNSLookup]
    /// Nameservers for zones whose server names none.
    public var defaultNameservers: [String]
    public var acme: ACMESettings
    /// Seals certificate and account keys at rest.
    public var cipher: CredentialCipher
    /// Seals certificate keys for provisioning, which installs them.
    public var keySealer: FieldSealer?
    public var apiTokens: APITokens
    /// Verifies the portal's customer tokens; without it `/api/customer` is not served.
    public var customers: CustomerAuthentication?
    /// Certificates expiring within this many days are renewed.
    public var renewBeforeDays: Int
    /// Longest wait for the authoritative servers to answer a challenge's TXT.
    public var propagationTimeout: Duration
    /// A resolver asked where a domain is delegated: to our name servers it is validated
    /// with dns-01, elsewhere with http-01. `nil` takes every domain as ours.
    public var delegationResolver: DNSLookup?

    public struct ACMESettings: Sendable {
        public var directoryURL: String
        /// A CA bundle to trust instead of the system's (a test CA such as Pebble).
        public var caFile: String?
        public var contact: [String]
        public init(directoryURL: String, caFile: String? = nil, contact: [String] = []) {
            self.directoryURL = directoryURL
            self.caFile = caFile
            self.contact = contact
        }
    }

    public init(
        dns: any DNSProvider, checkServers: [DNSLookup], defaultNameservers: [String], acme: ACMESettings,
        cipher: CredentialCipher, keySealer: FieldSealer?, apiTokens: APITokens, renewBeforeDays: Int = 30,
        propagationTimeout: Duration = .seconds(60), delegationResolver: DNSLookup? = nil
    ) {
        self.dns = dns
        self.checkServers = checkServers
        self.defaultNameservers = defaultNameservers
        self.acme = acme
        self.cipher = cipher
        self.keySealer = keySealer
        self.apiTokens = apiTokens
        self.renewBeforeDays = renewBeforeDays
        self.propagationTimeout = propagationTimeout
        self.delegationResolver = delegationResolver
    }

    public static func load(_ environment: Persistence.Environment = Persistence.Environment()) throws
        -> DNSSSLSettings
    {
        guard let ring = try environment.secret("HOSTWIRE_CREDENTIAL_KEYS") else {
            throw SettingsError("HOSTWIRE_CREDENTIAL_KEYS is required (id=base64 32-byte key[,…])")
        }
        guard let apiKey = try environment.secret("HOSTWIRE_PDNS_API_KEY") else {
            throw SettingsError("HOSTWIRE_PDNS_API_KEY is required")
        }
        let apiURL = environment.string("HOSTWIRE_PDNS_API_URL", default: "http://127.0.0.1:8081")
        func server(_ entry: Substring, _ name: String) throws -> DNSLookup {
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]), (1...65_535).contains(port) else {
                throw SettingsError("\(name) is host:port[,…]")
            }
            return DNSLookup(host: String(parts[0]), port: port)
        }
        let checks = try environment.string(
            "HOSTWIRE_DNS_CHECK_SERVERS", default: (URL(string: apiURL)?.host ?? "127.0.0.1") + ":53"
        )
        .split(separator: ",").map { try server($0, "HOSTWIRE_DNS_CHECK_SERVERS") }
        return DNSSSLSettings(
            dns: PowerDNSProvider(
                baseURL: apiURL, apiKey: apiKey,
                server: environment.string("HOSTWIRE_PDNS_SERVER_ID", default: "localhost")),
            checkServers: checks,
            defaultNameservers: environment.string("HOSTWIRE_DNS_DEFAULT_NAMESERVERS", default: "").split(
                separator: ","
            ).map(String.init),
            acme: ACMESettings(
                directoryURL: environment.string(
                    "HOSTWIRE_ACME_DIRECTORY_URL", default: "https://acme-v02.api.letsencrypt.org/directory"),
                caFile: environment.optional("HOSTWIRE_ACME_CA_FILE"),
                contact: environment.optional("HOSTWIRE_ACME_CONTACT").map { ["mailto:\($0)"] } ?? []),
            cipher: try CredentialCipher(ring: ring, currentKeyID: environment.optional("HOSTWIRE_CREDENTIAL_KEY_ID")),
            keySealer: try environment.secret("HOSTWIRE_CERT_SEAL_PUBLIC_KEY").map {
                try FieldSealer(publicKey: $0, purpose: "certificate.key")
            },
            apiTokens: try APITokens(parsing: try environment.secret("HOSTWIRE_API_TOKENS") ?? ""),
            renewBeforeDays: try environment.int("HOSTWIRE_CERT_RENEW_BEFORE_DAYS", default: 30),
            propagationTimeout: .seconds(try environment.int("HOSTWIRE_DNS_PROPAGATION_TIMEOUT_SECONDS", default: 60)),
            delegationResolver: try environment.optional("HOSTWIRE_DNS_RESOLVER").map {
                try server(Substring($0), "HOSTWIRE_DNS_RESOLVER")
            })
    }
}

/// The DNS/SSL service: a zone per hosting account in the authoritative DNS, and a
/// certificate per account from an ACME CA with dns-01, renewed before it expires.
public func buildDNSSSL(_ settings: DNSSSLSettings) -> ServiceDefinition {
    var definition = ServiceDefinition(name: "dnsssl")
    definition.apiTokens = settings.apiTokens
    let zones = ZoneSync(settings: settings)
    let issuer = CertificateIssuer(settings: settings)
    AccountEvents(settings: settings).register(in: &definition)
    zones.register(in: &definition)
    issuer.register(in: &definition)
    definition.services = { _ in issuer.ownedClient.map { [HTTPClientLifetime(client: $0)] } ?? [] }
    definition.routes = { router, dependencies in
        let api = router.group("api/dnsssl").add(
            middleware: BearerAuthMiddleware(
                tokens: settings.apiTokens,
                policy: AdminPolicy([
                    "POST /api/dnsssl/zones/*/sync": .operateTasks,
                    "POST /api/dnsssl/certificates/*/reissue": .operateTasks,
                ]), audit: dependencies.store))
        DNSSSLController(dependencies: dependencies, settings: settings).addRoutes(to: api)
        HTTPChallengeController(database: dependencies.database).addRoutes(to: router)
        if let customers = settings.customers {
            CustomerZonesController(store: dependencies.store, customers: customers).addRoutes(
                to: router.group("api/customer"))
        }
    }
    return definition
}
