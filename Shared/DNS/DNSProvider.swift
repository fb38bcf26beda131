/// An authoritative DNS server's management API, as the DNS/SSL service uses it.
public protocol DNSProvider: Sendable {
    /// The zone's record sets, or `nil` when the server has no such zone.
    func zone(_ name: String) async throws -> [DNSRecordSet]?
    /// Creates the zone; throws ``DNSError/exists`` when it is there already.
    func createZone(_ name: String, nameservers: [String], records: [DNSRecordSet]) async throws
    /// Replaces each given record set (name and type) with the given records.
    func replace(_ records: [DNSRecordSet], in zone: String) async throws
    /// Removes the record sets of these names and types.
    func delete(_ sets: [DNSRecordSet.Key], in zone: String) async throws
    /// Removes the zone; a zone that is not there counts as removed.
    func deleteZone(_ name: String) async throws
}

/// The records of one name and type. Names are absolute, with the trailing dot.
public struct DNSRecordSet: Sendable, Codable, Hashable {
    public struct Key: Sendable, Codable, Hashable {
        public var name: String
        public var type: String
        public init(name: String, type: String) {
            self.name = name
            self.type = type
        }
    }

    public var name: String
    public var type: String
    public var ttl: Int
    /// Each record in the server's presentation format (TXT quoted, MX `10 mail.example.`).
    public var records: [String]

    public init(name: String, type: String, ttl: Int, records: [String]) {
        self.name = name
        self.type = type
        self.ttl = ttl
        self.records = records
    }

    public var key: Key { Key(name: name, type: type) }
}

/// Why a DNS provider call failed.
public enum DNSError: Error, CustomStringConvertible, Sendable, Equatable {
    case exists
    /// The server refused the change (422 and the like), with its reason.
    case rejected(String)
    /// No usable answer: connection, timeout, 5xx. Safe to retry.
    case unavailable(String)

    public var description: String {
        switch self {
        case .exists: "the zone exists"
        case .rejected(let reason): "DNS change refused: \(reason)"
        case .unavailable(let reason): "DNS server unavailable: \(reason)"
        }
    }
}

extension String {
    /// The name made absolute (one trailing dot), as DNS servers' APIs want it.
    public var absoluteDNSName: String { hasSuffix(".") ? self : self + "." }
}
