import Foundation

/// A zone as its owner sees it.
struct CustomerZone: Encodable, Sendable {
    /// A record set, marked when it is one of Hostwire's defaults.
    struct Record: Encodable, Sendable {
        let name: String, type: String, ttl: Int, contents: [String], managed: Bool
    }

    /// The domain's newest certificate, as its owner sees it: whether it is issued and until when.
    struct Certificate: Encodable, Sendable {
        let status: CertificateStatus
        let notAfter: Date?
        enum CodingKeys: String, CodingKey {
            case status
            case notAfter = "not_after"
        }
    }

    let id: UUID, accountID: UUID, domain: String, status: ZoneStatus, nameservers: [String]
    let certificate: Certificate?
    var records: [Record]?

    enum CodingKeys: String, CodingKey {
        case id
        case accountID = "account_id"
        case domain, status, nameservers, certificate, records
    }
}
