import Foundation
import PostgresNIO
import TestSupport
import Testing

/// The daily usage sync, fired by the real timer, across a WHM, a Plesk and a DirectAdmin
/// simulator of 200 accounts each, over HTTP; real broker, Postgres, mail service and SMTP.
@Suite(.serialized) struct UsageSyncTests {
    /// Seeds `count` accounts `prefix1…` on a simulator and the same accounts, placed and
    /// active, in provisioning (an order each would take minutes and prove nothing more here).
    static func seed(_ database: TestDatabase, port: Int, server: String, prefix: String, count: Int) async throws {
        let reply = try await JSONClient(port: port).call(
            "POST", "/__sim/accounts/seed", json: ["prefix": prefix, "count": count])
        #expect(reply.status == 201, "\(reply.text)")
        try await database.withAdmin { client in
            try await client.query(
                """
                INSERT INTO provisioning.accounts (id, customer_name, contact_email, domain, plan, server_group, server_id,
                                                   username, status, step, provisioned_at)
                SELECT gen_random_uuid(), 'Seeded', 'owner@' || \(prefix) || n || '.example', \(prefix) || n || '.example',
                       'default', 'default', s.id, \(prefix) || n, 'active', 'done', now()
                FROM generate_series(1, \(count)) n, provisioning.servers s WHERE s.name = \(server)
                """, logger: TestDatabase.logger)
        }
    }

    static func setUsage(_ port: Int, _ user: String, disk: Int, bandwidth: Int) async throws {
        let reply = try await JSONClient(port: port).call(
            "PUT", "/__sim/accounts/\(user)/usage", json: ["disk_mb": disk, "bandwidth_mb": bandwidth])
        #expect(reply.status == 204, "\(reply.text)")
    }

    @Test(
        "a day's sync reads 600 accounts on three panels in a fixed number of calls on WHM and Plesk, stores each, and warns at 80% once"
    )
    func dailyUsageSync() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "mail", "timer"]) { database in
            let sandbox = Sandbox(database: database, tag: "usage")
            let panels = ThreePanels(sandbox, tag: "usage")
            defer {
                sandbox.stop()
                panels.stop()
            }
            try await sandbox.start(mail: true)
            try await sandbox.timer.start()
            try await sandbox.addServer()
            // One real customer, whose owner the mail service knows from the account's welcome.
            try await sandbox.placePaidOrder("nearly-full.example")
            #expect(
                await eventually(timeout: .seconds(60)) {
                    try await database.count("SELECT count(*)::int FROM mail.messages WHERE template = 'welcome'") == 1
                })
            let owner = try #require(
                try await sandbox.panelAccounts().first { $0["domain"] as? String == "nearly-full.example" }?["user"]
                    as? String)
            _ = try await panels.start(whm: nil, plesk: 1_000, directAdmin: 1_000)
            let (plesk, directAdmin) = (panels.plesk, panels.directAdmin)
            try await Self.seed(database, port: sandbox.whm.httpPort, server: "whm1", prefix: "cp", count: 199)
            try await Self.seed(database, port: plesk.httpPort, server: "plesk1", prefix: "pl", count: 200)
            try await Self.seed(database, port: directAdmin.httpPort, server: "da1", prefix: "da", count: 200)
            // The order's Starter sets 10 GB of disk over its package; the seeded accounts have
            // their package's 1 GB of disk and 10 GB of traffic.
            try await Self.setUsage(sandbox.whm.httpPort, owner, disk: 8_500, bandwidth: 100)
            try await Self.setUsage(plesk.httpPort, "pl7", disk: 2_000, bandwidth: 0)
            try await Self.setUsage(directAdmin.httpPort, "da3", disk: 10, bandwidth: 10_240)
            // Only the usage sync calls the panels: the same night's backups are another test's.
            #expect(
                try await sandbox.timerAPI.call(
                    "PATCH", "/api/timer/schedules/account-backups", json: ["enabled": false]
                ).status == 200)
            for port in [sandbox.whm.httpPort, plesk.httpPort, directAdmin.httpPort] {
                _ = try await JSONClient(port: port).call("DELETE", "/__sim/stats")
            }

            func days() async throws -> Int {
                try await database.count("SELECT count(*)::int FROM provisioning.account_usage")
            }
            func warningsMailed() async throws -> Int {
                try await database.count(
                    "SELECT count(*)::int FROM mail.messages WHERE template = 'usage-warning' AND recipient = 'owner@nearly-full.example'"
                )
            }
            let advance = try await sandbox.timerAPI.call("POST", "/api/timer/clock/advance", json: ["seconds": 86_400])
            #expect(advance.status == 200)
            #expect(await eventually(timeout: .seconds(90)) { try await days() == 600 })
            #expect(await eventually(timeout: .seconds(30)) { try await warningsMailed() == 1 })

            // Two calls on WHM and one on Plesk for the whole server; DirectAdmin's legacy API
            // reports per user (docs/panels.md).
            let whm = try await sandbox.whmAPI.call("GET", "/__sim/stats").json
            #expect(whm["POST /json-api/listaccts"] as? Int == 1)
            #expect(whm["POST /json-api/showbw"] as? Int == 1)
            let pleskCalls = try await JSONClient(port: plesk.httpPort).call("GET", "/__sim/stats").json
            #expect(pleskCalls["POST /enterprise/control/agent.php"] as? Int == 1)
            let daCalls = try await JSONClient(port: directAdmin.httpPort).call("GET", "/__sim/stats").json
            #expect(daCalls["GET /CMD_API_SHOW_USER_USAGE"] as? Int == 200)

            // Stored per account, with the panel's limits.
            let row = try await database.withAdmin { client in
                try await client.query(
                    """
                    SELECT u.disk_mb, u.disk_limit_mb, u.bandwidth_mb FROM provisioning.account_usage u
                    JOIN provisioning.accounts a ON a.id = u.account_id WHERE a.domain = 'pl7.example'
                    """, logger: TestDatabase.logger
                ).collect().first?.decode((Int, Int?, Int).self)
            }
            #expect(row?.0 == 2_000 && row?.1 == 1_024 && row?.2 == 0)
            #expect(
                try await database.count(
                    "SELECT count(*)::int FROM provisioning.outbox WHERE type = 'account.usage-reported'") == 600)
            // 80% on WHM; 100% (with 80) on Plesk's disk and DirectAdmin's traffic; one warning event each.
            #expect(try await database.count("SELECT count(*)::int FROM provisioning.usage_warnings") == 5)
            #expect(
                try await database.count(
                    "SELECT count(*)::int FROM provisioning.outbox WHERE type = 'account.usage-warning'") == 3)
            let over =
                try await sandbox.provisioningAPI.call("GET", "/api/usage?over=80").json["items"]
                as? [[String: Any]]
            #expect(over?.map { $0["domain"] as? String } == ["pl7.example", "da3.example", "nearly-full.example"])
            #expect(over?.first?["disk_percent"] as? Int == 195)
            #expect(try await sandbox.provisioningAPI.call("GET", "/api/usage?over=-1").status == 422)

            // The next day, still over: stored again, not mailed again this month.
            _ = try await sandbox.timerAPI.call("POST", "/api/timer/clock/advance", json: ["seconds": 86_400])
            #expect(await eventually(timeout: .seconds(90)) { try await days() == 1_200 })
            #expect(try await warningsMailed() == 1)
            #expect(try await database.count("SELECT count(*)::int FROM provisioning.usage_warnings") == 5)
            let mail = try await database.withAdmin { client in
                try await client.query(
                    "SELECT variables::text FROM mail.messages WHERE template = 'usage-warning'",
                    logger: TestDatabase.logger
                ).collect().first?.decode(String.self)
            }
            #expect(
                mail?.contains("8.3 GB") == true && mail?.contains("10 GB") == true
                    && mail?.contains("disk space") == true)
        }
    }
}
