import Foundation

/// A zone as its owner sees it.
struct CustomerZone: Encodable, Sendable {
    /// A record set, marked when it is one of Hostwire's defaults.
    struct Record: Encodable, Sendable {
        let name: String, type: String, ttl: Int, contents: [String], managed: Bool
    }

    let id: UUID, accountID: UUID, domain: String, status: ZoneStatus, nameservers: [String]
    var records: [Record]?

    enum CodingKeys: String, CodingKey {
        case id
        case accountID = "account_id"
        case domain, status, nameservers, records
    }
}
