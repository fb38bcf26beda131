import ACME
import Foundation
import PostgresNIO
import TestSupport
import Testing

/// DNS zones in a real PowerDNS and certificates from a real ACME CA (Pebble), from a paid
/// order to a certificate installed on the (simulated) panel.
@Suite(.serialized) struct DNSSSLTests {
    @Test(
        "a paid order's zone answers A, MX and TXT; its certificate for the domain and www verifies against Pebble's root and is installed (Pebble refusing 5% of nonces)"
    )
    func zoneAndCertificate() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "timer", "dnsssl"]) { database in
            let sandbox = Sandbox(database: database, tag: "dnsssl", rejectNonces: true)
            defer { sandbox.stop() }
            try await sandbox.start(dnsssl: true)
            try await sandbox.addServer()
            try await sandbox.placePaidOrder("secure.example")
            let zone = try await Self.zone("secure.example", sandbox)
            #expect(zone["status"] as? String == "active")
            #expect(try sandbox.pdns.dig("secure.example", "A") == ["192.0.2.10"])
            #expect(try sandbox.pdns.dig("www.secure.example", "A") == ["192.0.2.10"])
            #expect(try sandbox.pdns.dig("secure.example", "MX") == ["10 mail.secure.example."])
            #expect(try sandbox.pdns.dig("secure.example", "TXT") == ["\"v=spf1 a mx ip4:192.0.2.10 ~all\""])
            #expect(try sandbox.pdns.dig("_dmarc.secure.example", "TXT").first?.contains("v=DMARC1") == true)
            // The panel's DKIM key, a 2048-bit key's 410 characters in two strings of at most 255.
            let dkim = try #require(try sandbox.pdns.dig("default._domainkey.secure.example", "TXT").first)
            #expect(dkim.hasPrefix("\"v=DKIM1; k=rsa; p=") && dkim.components(separatedBy: "\" \"").count == 2)
            #expect(dkim.replacingOccurrences(of: "\" \"", with: "").count == 412)
            #expect(
                try sandbox.pdns.dig("secure.example", "NS").sorted() == ["ns1.sandbox.test.", "ns2.sandbox.test."])

            let certificate = try await Self.issued("secure.example", sandbox)
            #expect(certificate["not_after"] is String, "expiry stored")
            try Self.verify(
                try #require(certificate["certificate"] as? String), root: try sandbox.pebble.root(),
                names: ["secure.example", "www.secure.example"])
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await sandbox.panelAccounts().first { $0["domain"] as? String == "secure.example" }?[
                        "certificates"] as? String
                        == "secure.example"
                }, "installed on the panel")
            #expect(
                try sandbox.pdns.dig("_acme-challenge.secure.example", "TXT").isEmpty, "challenge records cleaned up")

            // A repeated sync changes nothing; an operator's record goes through the same adapter; bad edits change nothing.
            let id = try #require(zone["id"] as? String)
            #expect(try await sandbox.dnssslAPI.call("POST", "/api/dnsssl/zones/\(id)/sync").status == 202)
            let edit = try await sandbox.dnssslAPI.call(
                "PUT", "/api/dnsssl/zones/\(id)/records",
                json: ["name": "blog.secure.example", "type": "A", "contents": ["192.0.2.99"]])
            #expect(edit.status == 200)
            #expect(
                await eventually(timeout: .seconds(20)) {
                    try sandbox.pdns.dig("blog.secure.example", "A") == ["192.0.2.99"]
                })
            for bad: [String: Any] in [
                ["name": "blog.other.example", "type": "A", "contents": ["192.0.2.1"]],
                ["name": "x.secure.example", "type": "SOA", "contents": ["x"]],
                ["name": "x.secure.example", "type": "A", "ttl": 5, "contents": ["192.0.2.1"]],
            ] {
                #expect(
                    try await sandbox.dnssslAPI.call("PUT", "/api/dnsssl/zones/\(id)/records", json: bad).status == 422)
            }
            let detail = try await sandbox.dnssslAPI.call("GET", "/api/dnsssl/zones/\(id)").json
            let drift = try #require(detail["drift"] as? [String: Any])
            #expect(drift["reachable"] as? Bool == true)
            #expect((drift["missing"] as? [Any])?.isEmpty == true && (drift["different"] as? [Any])?.isEmpty == true)
            #expect((drift["unexpected"] as? [Any])?.isEmpty == true)
            #expect(try await database.count("SELECT count(*)::int FROM dnsssl.zones") == 1)

            // An operator forces a new certificate: issued beside the first, and installed.
            let reissue = try await sandbox.dnssslAPI.call(
                "POST", "/api/dnsssl/certificates/\(certificate["id"] as! String)/reissue")
            #expect(reissue.status == 202)
            #expect(
                await eventually(timeout: .seconds(60)) {
                    try await database.count("SELECT count(*)::int FROM dnsssl.certificates WHERE status = 'issued'")
                        == 2
                })
            #expect(
                try await sandbox.dnssslAPI.call("POST", "/api/dnsssl/certificates/\(UUID())/reissue").status == 404)

            // Terminating the account removes its zone and closes its certificates.
            let account = try #require(zone["account_id"] as? String)
            _ = try await database.withAdmin { client in
                try await client.query(
                    """
                    INSERT INTO provisioning.tasks (id, type, payload, dedupe_key, max_attempts)
                    VALUES (gen_random_uuid(), 'terminate-account', \(#"{"account_id":"\#(account)"}"#), 'test-terminate', 12)
                    """, logger: TestDatabase.logger)
            }
            #expect(await eventually(timeout: .seconds(30)) { try sandbox.pdns.dig("secure.example", "A").isEmpty })
            #expect(
                try await database.count("SELECT count(*)::int FROM dnsssl.certificates WHERE status = 'closed'") == 2)
        }
    }

    @Test(
        "PowerDNS stopped during issuance: the task fails on it, retries, and the certificate is issued once it is back"
    )
    func dnsOutageDuringIssuance() async throws {
        try await withLoadSlot {
            try await TestDatabase.with(services: ["checkout", "provisioning", "timer", "dnsssl"]) { database in
                let sandbox = Sandbox(database: database, tag: "dnsssl-outage")
                defer { sandbox.stop() }
                try await sandbox.start(dnsssl: true)
                // The CA is away at first, so issuance cannot get ahead of the outage (nothing was issued yet,
                // so a restarted Pebble forgets nothing DNS/SSL knows).
                sandbox.pebble.stop()
                try await sandbox.addServer()
                try await sandbox.placePaidOrder("outage.example")
                let lastError = {
                    try await database.withAdmin { client in
                        try await client.query(
                            "SELECT coalesce(last_error, '') FROM dnsssl.tasks WHERE type = 'issue-certificate'",
                            logger: TestDatabase.logger
                        ).collect().first?.decode(String.self) ?? ""
                    }
                }
                #expect(
                    await eventually(timeout: .seconds(60)) {
                        try await lastError().contains("ACME server unavailable")
                    })
                sandbox.pdns.stop()
                try await sandbox.pebble.start()
                #expect(
                    await eventually(timeout: .seconds(60)) {
                        try await lastError().contains("DNS server unavailable")
                    },
                    "issuance reached PowerDNS and failed on it")
                #expect(
                    try await database.count("SELECT count(*)::int FROM dnsssl.certificates WHERE status = 'issued'")
                        == 0)
                try await sandbox.pdns.start()
                _ = try await Self.issued("outage.example", sandbox)
                #expect(
                    try await database.count(
                        """
                        SELECT count(*)::int FROM dnsssl.tasks WHERE type = 'issue-certificate' AND status = 'done' AND attempts > 1
                        """) == 1, "the issuing task was retried")
            }
        }
    }

    @Test(
        "with the clock moved to 20 days before expiry, the certificate is renewed once, not twice on the following days, and the renewal installed"
    )
    func renewal() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "timer", "dnsssl"]) { database in
            let sandbox = Sandbox(
                database: database, tag: "dnsssl-renew", timerEnvironment: ["HOSTWIRE_TIMER_CATCH_UP_LIMIT": "5"])
            defer { sandbox.stop() }
            try await sandbox.start(dnsssl: true)
            try await sandbox.addServer()
            try await sandbox.placePaidOrder("renew.example")
            let first = try await Self.issued("renew.example", sandbox)
            let notAfter = try #require(ISO8601DateFormatter().date(from: first["not_after"] as? String ?? ""))
            let advance = { (to: Date) in
                let now = ISO8601DateFormatter().date(
                    from: try await sandbox.timerAPI.call(
                        "POST", "/api/timer/clock/advance", json: ["seconds": 0.001]
                    ).json["now"] as? String ?? "")!
                _ = try await sandbox.timerAPI.call(
                    "POST", "/api/timer/clock/advance", json: ["seconds": to.timeIntervalSince(now)])
            }
            try await advance(notAfter.addingTimeInterval(-20 * 86_400))
            #expect(
                await eventually(timeout: .seconds(60)) {
                    try await database.count(
                        "SELECT count(*)::int FROM dnsssl.certificates WHERE status = 'issued' AND renews IS NOT NULL")
                        == 1
                })
            // Pebble's validity runs in real time, so the renewal too looks near expiry to the moved clock;
            // the following days' runs still leave it alone (not renewed within a week of its own renewal).
            try await advance(notAfter.addingTimeInterval(-19 * 86_400))
            try await Task.sleep(for: .seconds(3))
            #expect(try await database.count("SELECT count(*)::int FROM dnsssl.certificates") == 2, "renewed once")
            #expect(
                try await database.count("SELECT count(*)::int FROM dnsssl.certificates WHERE status = 'superseded'")
                    == 1)
            let renewed = try await database.withAdmin { client in
                try await client.query(
                    "SELECT id FROM dnsssl.certificates WHERE renews IS NOT NULL", logger: TestDatabase.logger
                )
                .collect().first?.decode(UUID.self)
            }
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await database.count(
                        "SELECT count(*)::int FROM provisioning.accounts WHERE certificate_id = \(renewed)") == 1
                }, "the renewal is installed on the panel")
        }
    }

    @Test(
        "a renewal that fails on two days (its zone gone from PowerDNS) is asked for again each day and issued on the third; the owner is told once"
    )
    func failedRenewalIsRetried() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "timer", "dnsssl"]) { database in
            let sandbox = Sandbox(
                database: database, tag: "dnsssl-retry", timerEnvironment: ["HOSTWIRE_TIMER_CATCH_UP_LIMIT": "1"])
            defer { sandbox.stop() }
            try await sandbox.start(dnsssl: true)
            try await sandbox.addServer()
            try await sandbox.placePaidOrder("retry.example")
            let first = try await Self.issued("retry.example", sandbox)
            let id = try #require(first["id"] as? String)
            let notAfter = try #require(ISO8601DateFormatter().date(from: first["not_after"] as? String ?? ""))
            let renewed = try #require(UUID(uuidString: id))
            let renewals = { (status: String) in
                try await database.count(
                    "SELECT count(*)::int FROM dnsssl.certificates WHERE renews = \(renewed) AND status = \(status)")
            }
            let told = {
                try await database.count("SELECT count(*)::int FROM dnsssl.outbox WHERE type = 'certificate.expiring'")
            }
            // The zone gone from PowerDNS: it refuses the challenge's TXT (404), and each day's renewal fails for good.
            let pdns = JSONClient(port: sandbox.pdns.apiPort, headers: ["X-API-Key": PowerDNSServer.apiKey])
            #expect(try await pdns.call("DELETE", "/api/v1/servers/localhost/zones/retry.example.").status == 204)
            let now = ISO8601DateFormatter().date(
                from: try await sandbox.timerAPI.call("POST", "/api/timer/clock/advance", json: ["seconds": 0.001])
                    .json["now"] as? String ?? "")!
            // The renewal run at 04:00 of the day 13 days before expiry, then the next day's.
            _ = try await sandbox.timerAPI.call(
                "POST", "/api/timer/clock/advance",
                json: ["seconds": notAfter.addingTimeInterval(-13 * 86_400).timeIntervalSince(now)])
            let errors = {
                try await database.withAdmin { client in
                    try await client.query(
                        """
                        SELECT status || ' ' || attempts || ' ' || coalesce(last_error, '') FROM dnsssl.tasks
                        WHERE type = 'issue-certificate' ORDER BY created_at
                        """, logger: TestDatabase.logger
                    ).collect().map { try $0.decode(String.self) }
                }
            }
            let failedOnDay1 = await eventually(timeout: .seconds(90)) { try await renewals("failed") == 1 }
            let errorsOnDay1 = try await errors()
            #expect(failedOnDay1, "day 1: \(errorsOnDay1)")
            _ = try await sandbox.timerAPI.call("POST", "/api/timer/clock/advance", json: ["seconds": 86_400])
            let failedOnDay2 = await eventually(timeout: .seconds(90)) { try await renewals("failed") == 2 }
            let errorsOnDay2 = try await errors()
            #expect(failedOnDay2, "day 2: \(errorsOnDay2)")
            #expect(try await told() == 1, "told once that the certificate expires soon, not each day")
            // An operator's sync puts the zone back.
            let zone = try #require(try await Self.zone("retry.example", sandbox)["id"] as? String)
            #expect(try await sandbox.dnssslAPI.call("POST", "/api/dnsssl/zones/\(zone)/sync").status == 202)
            #expect(
                await eventually(timeout: .seconds(20)) {
                    try await pdns.call("GET", "/api/v1/servers/localhost/zones/retry.example.").status == 200
                })
            _ = try await sandbox.timerAPI.call("POST", "/api/timer/clock/advance", json: ["seconds": 86_400])
            let issuedOnDay3 = await eventually(timeout: .seconds(60)) { try await renewals("issued") == 1 }
            let errorsOnDay3 = try await errors()
            #expect(issuedOnDay3, "day 3: \(errorsOnDay3)")
            #expect(try await renewals("failed") == 2)
            #expect(try await told() == 1)
            #expect(
                try await database.count("SELECT count(*)::int FROM dnsssl.certificates WHERE status = 'superseded'")
                    == 1)
        }
    }

    @Test(
        "a domain delegated elsewhere gets its certificate over http-01, answered at the account's site on the panel server; one delegated to us over dns-01"
    )
    func httpChallengeWhereNotDelegated() async throws {
        // The world's DNS, as a resolver would answer where each domain is delegated.
        let world = PowerDNSServer()
        try await world.start()
        defer { world.stop() }
        let worldAPI = JSONClient(port: world.apiPort, headers: ["X-API-Key": PowerDNSServer.apiKey])
        for (zone, nameserver) in [
            ("elsewhere.example.", "ns1.other-dns.test."), ("ours.example.", "ns1.sandbox.test."),
        ] {
            let created = try await worldAPI.call(
                "POST", "/api/v1/servers/localhost/zones",
                json: ["name": zone, "kind": "Native", "nameservers": [nameserver]])
            #expect(created.status == 201, "\(created.text)")
        }
        try await TestDatabase.with(services: ["checkout", "provisioning", "timer", "dnsssl"]) { database in
            let sandbox = Sandbox(
                database: database, tag: "dnsssl-http01", panelEnvironment: ["SIM_SITE_PORT": "5002"],
                dnssslEnvironment: ["HOSTWIRE_DNS_RESOLVER": "127.0.0.1:\(world.dnsPort)"])
            defer { sandbox.stop() }
            try await sandbox.start(dnsssl: true)
            // The server's address is where the CA connects for http-01 (Pebble: port 5002).
            let server = try await sandbox.provisioningAPI.call(
                "POST", "/api/servers",
                json: [
                    "name": "whm1", "panel": "cpanel", "hostname": "whm1.sandbox.test", "ip": "127.0.0.1",
                    "api_url": "http://127.0.0.1:\(sandbox.whm.httpPort)", "api_username": "root",
                    "api_secret": "whm-token", "server_group": "default", "max_accounts": 10,
                    "nameservers": ["ns1.sandbox.test", "ns2.sandbox.test"],
                ])
            #expect(server.status == 201, "\(server.text)")
            let forward = try await JSONClient(port: sandbox.whm.httpPort).call(
                "PUT", "/__sim/site", json: ["acme_forward": "http://127.0.0.1:\(sandbox.dnsssl.httpPort)"])
            #expect(forward.status == 200)
            try await sandbox.placePaidOrder("elsewhere.example")
            try await sandbox.placePaidOrder("ours.example")
            for domain in ["elsewhere.example", "ours.example"] {
                let certificate = try await Self.issued(domain, sandbox)
                try Self.verify(
                    try #require(certificate["certificate"] as? String), root: try sandbox.pebble.root(),
                    names: [domain, "www.\(domain)"])
            }
            let challenges = try await database.withAdmin { client in
                try await client.query(
                    "SELECT domain, challenge FROM dnsssl.certificates WHERE status = 'issued' ORDER BY domain",
                    logger: TestDatabase.logger
                ).collect().map { try $0.decode((String, String?).self) }
            }
            #expect(challenges.map(\.1) == ["http-01", "dns-01"], "\(challenges)")
            #expect(try await database.count("SELECT count(*)::int FROM dnsssl.http_challenges") == 0, "cleaned up")
            let unknown = try await JSONClient(port: sandbox.dnsssl.httpPort).call(
                "GET", "/.well-known/acme-challenge/not-a-token-we-gave-out")
            #expect(unknown.status == 404 && unknown.json["error"] != nil)
            #expect(
                try await JSONClient(port: sandbox.dnsssl.httpPort).call("GET", "/.well-known/acme-challenge/..%2F..")
                    .status == 404)
        }
    }

    /// The zone of `domain` once it is active.
    static func zone(_ domain: String, _ sandbox: Sandbox) async throws -> [String: Any] {
        var zone: [String: Any]?
        _ = await eventually(timeout: .seconds(60)) {
            zone = try await sandbox.dnssslAPI.call("GET", "/api/dnsssl/zones?domain=\(domain)").array.first
            return zone?["status"] as? String == "active"
        }
        guard let zone else { throw ShellError(description: "no zone for \(domain)") }
        return zone
    }

    /// The first issued certificate of `domain`, with its PEM.
    static func issued(_ domain: String, _ sandbox: Sandbox) async throws -> [String: Any] {
        var found: [String: Any]?
        let issued = await eventually(timeout: .seconds(90)) {
            found = try await sandbox.dnssslAPI.call("GET", "/api/dnsssl/certificates?domain=\(domain)").array
                .first { $0["status"] as? String == "issued" }
            return found != nil
        }
        guard issued, let id = found?["id"] as? String else {
            throw ShellError(description: "no certificate issued for \(domain)")
        }
        return try await sandbox.dnssslAPI.call("GET", "/api/dnsssl/certificates/\(id)").json
    }

    /// `openssl verify` of the leaf against the root with the intermediates, and its names.
    static func verify(_ pem: String, root: String, names: [String]) throws {
        let directory = Paths.root.appendingPathComponent("var/test-certs/\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let parts = CertificateRequest.split(pem)
        let (leaf, chain) = (
            directory.appendingPathComponent("leaf.pem"), directory.appendingPathComponent("chain.pem")
        )
        try parts.leaf.write(to: leaf, atomically: true, encoding: .utf8)
        try parts.chain.write(to: chain, atomically: true, encoding: .utf8)
        try root.write(to: directory.appendingPathComponent("root.pem"), atomically: true, encoding: .utf8)
        let verdict = try Shell.run(
            "/usr/bin/openssl",
            [
                "verify", "-CAfile", directory.appendingPathComponent("root.pem").path,
                "-untrusted", chain.path, leaf.path,
            ])
        #expect(verdict.contains(": OK"), "\(verdict)")
        let alternative = try Shell.run(
            "/usr/bin/openssl", ["x509", "-in", leaf.path, "-noout", "-ext", "subjectAltName"])
        for name in names { #expect(alternative.contains("DNS:\(name)"), "\(alternative)") }
    }
}
