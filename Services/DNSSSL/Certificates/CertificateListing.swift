import Foundation
import PostgresNIO

/// A certificate as operators see it; with its PEM when one certificate is asked for.
struct CertificateListing: Encodable, Sendable {
    let id: UUID
    let accountID: UUID
    let domain: String
    let names: [String]
    let status: CertificateStatus
    let renews: UUID?
    let serial: String?
    let notBefore: Date?
    let notAfter: Date?
    let issuedAt: Date?
    let lastError: String?
    /// `dns-01` or `http-01`, once validation began.
    let challenge: String?
    let certificate: String?

    enum CodingKeys: String, CodingKey {
        case id
        case accountID = "account_id"
        case domain, names, status, renews, serial
        case notBefore = "not_before"
        case notAfter = "not_after"
        case issuedAt = "issued_at"
        case lastError = "last_error"
        case challenge, certificate
    }

    /// Reads a row with the `certificates` columns of the same names, the PEM as `pem`.
    init(row: PostgresRow) throws {
        let cells = row.makeRandomAccess()
        id = try cells["id"].decode(UUID.self)
        accountID = try cells["account_id"].decode(UUID.self)
        domain = try cells["domain"].decode(String.self)
        names = try cells["names"].decode([String].self)
        status = try cells["status"].decode(CertificateStatus.self)
        renews = try cells["renews"].decode(UUID?.self)
        serial = try cells["serial"].decode(String?.self)
        notBefore = try cells["not_before"].decode(Date?.self)
        notAfter = try cells["not_after"].decode(Date?.self)
        issuedAt = try cells["issued_at"].decode(Date?.self)
        lastError = try cells["last_error"].decode(String?.self)
        challenge = try cells["challenge"].decode(String?.self)
        certificate = try cells["pem"].decode(String?.self)
    }
}
