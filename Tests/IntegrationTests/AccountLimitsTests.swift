import Foundation
import PostgresNIO
import TestSupport
import Testing

/// The catalog's limits travel with `provision-account` and are set on the account on its
/// panel, over its package's: one order of each product, each on another panel.
@Suite(.serialized) struct AccountLimitsTests {
    @Test(
        "each product's disk, traffic, mailboxes and databases are set on the account on WHM, Plesk and DirectAdmin, and the new product's at a package change"
    )
    func productLimitsOnEachPanel() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "billing", "timer"]) { database in
            let sandbox = Sandbox(database: database, tag: "limits")
            let panels = ThreePanels(sandbox, tag: "limits")
            defer {
                sandbox.stop()
                panels.stop()
            }
            try await sandbox.start(billing: true)
            // One account each: least-full placement, ties by name, takes da1, plesk1, whm1 in turn.
            _ = try await panels.start(whm: 1, plesk: 1, directAdmin: 1)
            let (plesk, directAdmin) = (panels.plesk, panels.directAdmin)
            let products = [
                ("00000000-0000-4000-8000-000000000001", "starter-limits.example", directAdmin.httpPort),
                ("00000000-0000-4000-8000-000000000002", "pro-limits.example", plesk.httpPort),
                ("00000000-0000-4000-8000-000000000003", "business-limits.example", sandbox.whm.httpPort),
            ]
            for (number, (product, domain, _)) in products.enumerated() {
                try await sandbox.placePaidOrder(domain, product: product)
                #expect(
                    await eventually(timeout: .seconds(60)) {
                        try await database.count(
                            "SELECT count(*)::int FROM provisioning.accounts WHERE status = 'active'") == number + 1
                    })
            }
            func account(_ domain: String, on port: Int) async throws -> [String: Any]? {
                try await JSONClient(port: port).call("GET", "/__sim/accounts").array.first {
                    $0["domain"] as? String == domain
                }
            }
            // The sandbox catalog: starter 10 GB, 10 mailboxes, 5 databases; pro 50 GB, 100, 50;
            // business 200 GB and no limit on mailboxes or databases. None sets traffic: the package's.
            let starter = try #require(try await account("starter-limits.example", on: directAdmin.httpPort))
            #expect(starter["disk_limit_mb"] as? String == "10240")
            #expect(starter["max_mailboxes"] as? String == "10" && starter["max_databases"] as? String == "5")
            #expect(starter["bandwidth_limit_mb"] as? String == "10240", "the package's traffic")
            let pro = try #require(try await account("pro-limits.example", on: plesk.httpPort))
            #expect(pro["disk_limit_mb"] as? String == "51200")
            #expect(pro["max_mailboxes"] as? String == "100" && pro["max_databases"] as? String == "50")
            let business = try #require(try await account("business-limits.example", on: sandbox.whm.httpPort))
            #expect(business["disk_limit_mb"] as? String == "204800")
            #expect(business["max_mailboxes"] as? String == "unlimited")
            #expect(business["max_databases"] as? String == "unlimited")
            // Kept with the account, as the command carried them.
            let stored = try await database.withAdmin { client in
                try await client.query(
                    "SELECT limits::text FROM provisioning.accounts WHERE domain = 'starter-limits.example'",
                    logger: TestDatabase.logger
                ).collect().first?.decode(String?.self)
            }
            #expect(stored?.contains("\"disk_mb\": 10240") == true)

            // An upgrade to pro, as billing sends it once paid: the package and pro's limits.
            try await database.withAdmin { client in
                try await client.query(
                    """
                    INSERT INTO billing.outbox (id, kind, destination, type, version, occurred_at, payload)
                    SELECT gen_random_uuid(), 'command', 'provisioning', 'change-package', 1, now(),
                           json_build_object('account_id', id, 'plan', 'pro', 'actor', 'billing',
                                             'limits', json_build_object('disk_mb', 51200, 'mailboxes', 100,
                                                                         'databases', 50))::text
                    FROM provisioning.accounts WHERE domain = 'starter-limits.example'
                    """, logger: TestDatabase.logger)
            }
            #expect(
                await eventually(timeout: .seconds(60)) {
                    try await account("starter-limits.example", on: directAdmin.httpPort)?["disk_limit_mb"] as? String
                        == "51200"
                })
            let upgraded = try #require(try await account("starter-limits.example", on: directAdmin.httpPort))
            #expect(upgraded["plan"] as? String == "pro")
            #expect(upgraded["max_mailboxes"] as? String == "100" && upgraded["max_databases"] as? String == "50")
            #expect(
                await eventually(timeout: .seconds(10)) {
                    try await database.count(
                        """
                        SELECT count(*)::int FROM provisioning.accounts
                        WHERE domain = 'starter-limits.example' AND plan = 'pro' AND limits ->> 'disk_mb' = '51200'
                        """) == 1
                })
        }
    }
}
