import DNS

/// The records every hosting account's zone starts with: SOA and NS from the server's
/// nameservers, the site and mail on the server's address, MX, SPF and DMARC.
enum DefaultRecords {
    static func sets(domain: String, serverIP: String, nameservers: [String]) -> [DNSRecordSet] {
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
        ]
    }
}
