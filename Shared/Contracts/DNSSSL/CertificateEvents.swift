import Foundation

/// An account's DNS zone answers on the authoritative servers.
public struct ZoneCreated: Event {
    public static let wireName = "zone.created"
    public static let publisher = "dnsssl"
    public var zoneID: UUID
    public var accountID: UUID
    public var domain: String
    public var nameservers: [String]
    public init(zoneID: UUID, accountID: UUID, domain: String, nameservers: [String]) {
        self.zoneID = zoneID
        self.accountID = accountID
        self.domain = domain
        self.nameservers = nameservers
    }
    enum CodingKeys: String, CodingKey {
        case zoneID = "zone_id"
        case accountID = "account_id"
        case domain, nameservers
    }
}

/// A certificate was issued: provisioning installs it on the account's panel.
public struct CertificateIssued: Event {
    public static let wireName = "certificate.issued"
    public static let publisher = "dnsssl"
    public var certificateID: UUID
    public var accountID: UUID
    public var domain: String
    public var names: [String]
    /// The leaf certificate, PEM.
    public var certificate: String
    /// The intermediates, PEM.
    public var chain: String
    /// The private key (PEM) sealed for provisioning alone (`FieldSealer`, purpose
    /// `certificate.key`); `nil` when no provisioning key is configured.
    public var sealedPrivateKey: String?
    public var notAfter: Date
    public init(
        certificateID: UUID, accountID: UUID, domain: String, names: [String], certificate: String, chain: String,
        sealedPrivateKey: String?, notAfter: Date
    ) {
        self.certificateID = certificateID
        self.accountID = accountID
        self.domain = domain
        self.names = names
        self.certificate = certificate
        self.chain = chain
        self.sealedPrivateKey = sealedPrivateKey
        self.notAfter = notAfter
    }
    enum CodingKeys: String, CodingKey {
        case certificateID = "certificate_id"
        case accountID = "account_id"
        case domain, names, certificate, chain
        case sealedPrivateKey = "sealed_private_key"
        case notAfter = "not_after"
    }
}

/// Issuance gave up after its last attempt.
public struct CertificateFailed: Event {
    public static let wireName = "certificate.failed"
    public static let publisher = "dnsssl"
    public var certificateID: UUID
    public var accountID: UUID
    public var domain: String
    public var reason: String
    public init(certificateID: UUID, accountID: UUID, domain: String, reason: String) {
        self.certificateID = certificateID
        self.accountID = accountID
        self.domain = domain
        self.reason = reason
    }
    enum CodingKeys: String, CodingKey {
        case certificateID = "certificate_id"
        case accountID = "account_id"
        case domain, reason
    }
}

/// A certificate expires soon and could not be renewed automatically: the customer is told.
public struct CertificateExpiring: Event {
    public static let wireName = "certificate.expiring"
    public static let publisher = "dnsssl"
    public var certificateID: UUID
    public var accountID: UUID
    public var domain: String
    public var notAfter: Date
    public init(certificateID: UUID, accountID: UUID, domain: String, notAfter: Date) {
        self.certificateID = certificateID
        self.accountID = accountID
        self.domain = domain
        self.notAfter = notAfter
    }
    enum CodingKeys: String, CodingKey {
        case certificateID = "certificate_id"
        case accountID = "account_id"
        case domain
        case notAfter = "not_after"
    }
}
