import DNS

/// How a zone on the DNS server differs from the stored record sets: what sync repairs and
/// what the admin API shows as drift. Challenge records (`_acme-challenge.`) are issuance's
/// own and never count.
struct ZoneDiff {
    /// Stored sets the server lacks.
    let missing: [DNSRecordSet]
    /// Stored sets the server has with other records or TTL (the SOA compared without its
    /// serial, which PowerDNS raises on every change).
    let different: [DNSRecordSet]
    /// Sets on the server that are not stored.
    let unexpected: [DNSRecordSet]

    init(desired: [DNSRecordSet], live: [DNSRecordSet]) {
        let current = Dictionary(live.map { ($0.key, $0) }) { first, _ in first }
        let wanted = Set(desired.map(\.key))
        missing = desired.filter { current[$0.key] == nil }
        different = desired.filter { set in
            guard let now = current[set.key] else { return false }
            if set.type == "SOA" {
                return Self.withoutSerial(now.records.first) != Self.withoutSerial(set.records.first)
            }
            return Set(now.records) != Set(set.records) || now.ttl != set.ttl
        }
        unexpected = live.filter { !wanted.contains($0.key) && !$0.name.hasPrefix("_acme-challenge.") }
    }

    private static func withoutSerial(_ record: String?) -> [Substring] {
        var fields = (record ?? "").split(separator: " ")
        if fields.count > 2 { fields.remove(at: 2) }
        return fields
    }
}
