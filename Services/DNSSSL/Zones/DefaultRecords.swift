import Contracts
import DNS

/// The records every hosting account's zone starts with: SOA and NS from the server's
/// nameservers, the site and mail on the server's address, MX, SPF, DMARC, and the DKIM key
/// the panel signs the domain's mail with.
enum DefaultRecords {
    static func sets(domain: String, serverIP: String, nameservers: [String], dkim: DKIMKey? = nil) -> [DNSRecordSet] {
        let zone = domain.absoluteDNSName
        let primary = nameservers.first?.absoluteDNSName ?? "ns1.\(zone)"
        return [
            DNSRecordSet(
                name: zone, type: "SOA", ttl: 3600, records: ["\(primary) hostmaster.\(zone) 1 10800 3600 604800 3600"]),
            DNSRecordSet(name: zone, type: "NS", ttl: 3600, records: nameservers.map(\.absoluteDNSName)),
            DNSRecordSet(name: zone, type: "A", ttl: 3600, records: [serverIP]),
            DNSRecordSet(name: "www.\(zone)", type: "A", ttl: 3600, records: [serverIP]),
            DNSRecordSet(name: "mail.\(zone)", type: "A", ttl: 3600, records: [serverIP]),
            DNSRecordSet(name: zone, type: "MX", ttl: 3600, records: ["10 mail.\(zone)"]),
            DNSRecordSet(name: zone, type: "TXT", ttl: 3600, records: ["\"v=spf1 a mx ip4:\(serverIP) ~all\""]),
            DNSRecordSet(
                name: "_dmarc.\(zone)", type: "TXT", ttl: 3600,
                records: ["\"v=DMARC1; p=none; rua=mailto:postmaster@\(domain)\""]),
        ] + (dkim.flatMap { key(domain: domain, $0) }.map { [$0] } ?? [])
    }

    /// The DKIM TXT record, its value cut into quoted strings of at most 255 characters (a
    /// TXT string's limit; a 2048-bit key is longer). `nil` for a selector or record that is
    /// not safe to put in the zone.
    static func key(domain: String, _ dkim: DKIMKey) -> DNSRecordSet? {
        let selectorCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789-_")
        guard (1...63).contains(dkim.selector.count),
            dkim.selector.lowercased().allSatisfy(selectorCharacters.contains),
            (1...4_000).contains(dkim.record.count),
            dkim.record.allSatisfy({ $0.isASCII && !$0.isNewline && $0 != "\"" && $0 != "\\" })
        else { return nil }
        var chunks: [String] = []
        var rest = Substring(dkim.record)
        while !rest.isEmpty {
            chunks.append("\"\(rest.prefix(255))\"")
            rest = rest.dropFirst(255)
        }
        return DNSRecordSet(
            name: "\(dkim.selector.lowercased())._domainkey.\(domain.absoluteDNSName)", type: "TXT", ttl: 3600,
            records: [chunks.joined(separator: " ")])
    }
}
