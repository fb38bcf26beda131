import DNS
import DNSSSLService
import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Secrets
import ServiceKit
import TestSupport
import Testing

/// A customer edits the records of their own zones, and only theirs, within the record types'
/// rules; NS and SOA stay Hostwire's.
@Suite struct CustomerZoneTests {
    static func dnsssl() async throws -> ServiceDefinition {
        var settings = DNSSSLSettings(
            dns: PowerDNSProvider(baseURL: "http://127.0.0.1:\(freePort())", apiKey: "k"), checkServers: [],
            defaultNameservers: [],
            acme: .init(directoryURL: "http://127.0.0.1:\(freePort())/dir"),
            cipher: try CredentialCipher(ring: "k1=\(CredentialCipher.generateKey())"),
            keySealer: nil, apiTokens: APITokens([(.admin, CheckoutAPITests.admin)]))
        settings.customers = try await CustomerEndpointTests.customers()
        return buildDNSSSL(settings)
    }

    /// An active zone for `customer` with Hostwire's A record at the apex; answers its id.
    static func seedZone(_ database: TestDatabase, domain: String, customer: UUID) async throws -> UUID {
        let zone = UUID()
        try await database.withAdmin { client in
            try await client.query(
                """
                INSERT INTO dnsssl.zones (id, account_id, domain, server_ip, nameservers, status, customer_id)
                VALUES (\(zone), \(UUID()), \(domain), '192.0.2.10', \(["ns1.example.net"]), 'active', \(customer))
                """, logger: TestDatabase.logger)
            try await client.query(
                """
                INSERT INTO dnsssl.records (zone_id, name, type, ttl, contents, managed)
                VALUES (\(zone), \(domain + "."), 'A', 3600, \(["192.0.2.10"]), true)
                """, logger: TestDatabase.logger)
        }
        return zone
    }

    @Test func aCustomerEditsTheirOwnZoneWithinTheRules() async throws {
        try await TestDatabase.with(services: ["dnsssl"]) { database in
            try await withRouter(try await Self.dnsssl(), database: database) { client in
                let mine = try await Self.seedZone(
                    database, domain: "alice.example", customer: CustomerEndpointTests.alice)
                let theirs = try await Self.seedZone(
                    database, domain: "bob.example", customer: CustomerEndpointTests.bob)
                let token = try await CustomerEndpointTests.token(CustomerEndpointTests.alice)
                let zones = try await client.json(.get, "/api/customer/zones", token: token)
                let listed = (try JSONSerialization.jsonObject(with: Data(zones.text.utf8)) as? [[String: Any]] ?? [])
                    .map { $0["domain"] as? String }
                #expect(zones.status == .ok && listed == ["alice.example"])
                #expect(try await client.json(.get, "/api/customer/zones/\(theirs)", token: token).status == .notFound)
                let put = { (body: [String: Any], zone: UUID) in
                    try await client.json(.put, "/api/customer/zones/\(zone)/records", body, token: token)
                }
                let blog = try await put(["name": "blog.alice.example", "type": "A", "contents": ["192.0.2.20"]], mine)
                #expect(blog.status == .ok, "\(blog.text)")
                let mx = try await put(
                    ["name": "alice.example", "type": "mx", "ttl": 600, "contents": ["10 Mail.Example.net"]], mine)
                #expect(mx.status == .ok && (mx.json["records"] as? [String]) == ["10 mail.example.net."], "\(mx.text)")
                let txt = try await put(
                    ["name": "alice.example", "type": "TXT", "contents": [String(repeating: "k", count: 300)]], mine)
                #expect(
                    (txt.json["records"] as? [String])?.first?.components(separatedBy: "\" \"").count == 2,
                    "split into 255-byte strings")
                for (body, _) in [
                    (["name": "alice.example", "type": "NS", "contents": ["ns.evil.example"]], "type"),
                    (["name": "www.alice.example", "type": "A", "contents": ["999.1.1.1"]], "contents"),
                    (["name": "www.alice.example", "type": "AAAA", "contents": ["192.0.2.1"]], "contents"),
                    (
                        ["name": "www.alice.example", "type": "CNAME", "contents": ["a.example", "b.example"]],
                        "contents"
                    ),
                    (["name": "alice.example", "type": "CAA", "contents": ["0 hack \"x\""]], "contents"),
                    (["name": "www.bob.example", "type": "A", "contents": ["192.0.2.1"]], "name"),
                ] as [([String: Any], String)] {
                    let refused = try await put(body, mine)
                    #expect(refused.status == .unprocessableContent, "\(body): \(refused.text)")
                    #expect(errorCode(refused.json) != nil)
                }
                // Another customer's zone is not there for this one, to read or to change.
                #expect(
                    try await put(["name": "www.bob.example", "type": "A", "contents": ["192.0.2.1"]], theirs).status
                        == .notFound)
                let records =
                    try await client.json(.get, "/api/customer/zones/\(mine)", token: token).json["records"]
                    as? [[String: Any]] ?? []
                #expect(records.count == 4)
                #expect(records.first { $0["name"] as? String == "blog.alice.example." }?["managed"] as? Bool == false)
                let deleted = try await client.json(
                    .delete, "/api/customer/zones/\(mine)/records?name=blog.alice.example.&type=A", token: token)
                #expect(deleted.status == .noContent)
                #expect(
                    try await database.count("SELECT count(*)::int FROM dnsssl.records WHERE zone_id = \(mine)") == 3)
                // Each change queued a sync of the zone to the DNS server.
                #expect(
                    try await database.count("SELECT count(*)::int FROM dnsssl.tasks WHERE type = 'sync-zone'") == 4)
                #expect(
                    try await database.count("SELECT count(*)::int FROM dnsssl.records WHERE zone_id = \(theirs)") == 1)
            }
        }
    }
}
