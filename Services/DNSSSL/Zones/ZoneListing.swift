import DNS
import Foundation
import PostgresNIO

/// A zone as operators see it; with its records and drift when one zone is asked for.
struct ZoneListing: Encodable, Sendable {
    /// What the DNS server has that differs from what is stored.
    struct Drift: Encodable, Sendable {
        let reachable: Bool
        let missing: [DNSRecordSet]
        let different: [DNSRecordSet]
        let unexpected: [DNSRecordSet]
    }

    let id: UUID
    let accountID: UUID
    let domain: String
    let serverIP: String
    let nameservers: [String]
    let status: ZoneStatus
    let syncedAt: Date?
    var records: [DNSRecordSet]?
    var drift: Drift?

    enum CodingKeys: String, CodingKey {
        case id
        case accountID = "account_id"
        case domain
        case serverIP = "server_ip"
        case nameservers, status
        case syncedAt = "synced_at"
        case records, drift
    }

    /// Reads a row with the `zones` columns of the same names.
    init(row: PostgresRow) throws {
        let cells = row.makeRandomAccess()
        id = try cells["id"].decode(UUID.self)
        accountID = try cells["account_id"].decode(UUID.self)
        domain = try cells["domain"].decode(String.self)
        serverIP = try cells["server_ip"].decode(String.self)
        nameservers = try cells["nameservers"].decode([String].self)
        status = try cells["status"].decode(ZoneStatus.self)
        syncedAt = try cells["synced_at"].decode(Date?.self)
    }
}
