import Foundation
import PostgresNIO
import TestSupport
import Testing

/// Backups, retention and restore over the panels' HTTP APIs (the three simulators), with
/// the real timer, broker and Postgres.
@Suite(.serialized) struct BackupTests {
    static func sim(_ port: Int) -> JSONClient { JSONClient(port: port) }

    static func backupsOf(_ database: TestDatabase, _ where: String) async throws -> Int {
        try await database.count(
            PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM provisioning.backups WHERE \(`where`)"))
    }

    static func accountID(_ database: TestDatabase, _ username: String) async throws -> String {
        try await database.withAdmin { client in
            try await client.query(
                "SELECT id::text FROM provisioning.accounts WHERE username = \(username)", logger: TestDatabase.logger
            ).collect().first!.decode(String.self)
        }
    }

    @Test(
        "a week of daily backups, one a day per account; 31 days on, exactly those past their product's retention are deleted on the panel, once each, with backup-cleanup announced twice"
    )
    func dailyBackupsAndRetention() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "timer"]) { database in
            let sandbox = Sandbox(database: database, tag: "backups")
            defer { sandbox.stop() }
            try await sandbox.start()
            try await sandbox.timer.start()
            try await sandbox.addServer()
            try await UsageSyncTests.seed(database, port: sandbox.whm.httpPort, server: "whm1", prefix: "bk", count: 3)
            // bk3's product keeps its backups 60 days.
            try await database.withAdmin { client in
                try await client.query(
                    """
                    UPDATE provisioning.accounts SET limits = '{"backup_retention_days": 60}' WHERE username = 'bk3'
                    """, logger: TestDatabase.logger)
            }
            let whm = Self.sim(sandbox.whm.httpPort)
            #expect(try await whm.call("PUT", "/__sim/backups/settings", json: ["duration_ms": 400]).status == 200)

            for day in 1...7 {
                _ = try await sandbox.timerAPI.call("POST", "/api/timer/clock/advance", json: ["seconds": 86_400])
                #expect(
                    await eventually(timeout: .seconds(60)) {
                        try await Self.backupsOf(database, "kind = 'scheduled' AND status = 'completed'") == 3 * day
                    }, "day \(day)")
            }
            #expect(try await Self.backupsOf(database, "true") == 21)
            let perDay = try await database.count(
                "SELECT count(DISTINCT (account_id, day))::int FROM provisioning.backups WHERE kind = 'scheduled'")
            #expect(perDay == 21)
            #expect(try await whm.call("GET", "/__sim/backups").json["archives"] as? [Any] != nil)
            let archives = { try await whm.call("GET", "/__sim/backups").json["archives"] as? [[String: String]] ?? [] }
            #expect(try await archives().count == 21)
            // Three accounts due at once, at most two running on the server (HOSTWIRE_BACKUPS_PER_SERVER).
            #expect(try await whm.call("GET", "/__sim/backups").json["most_running"] as? Int == 2)

            // No more backups: what is left to see is retention.
            let patched = try await sandbox.timerAPI.call(
                "PATCH", "/api/timer/schedules/account-backups", json: ["enabled": false])
            #expect(patched.status == 200, "\(patched.text)")
            _ = try await sandbox.timerAPI.call("POST", "/api/timer/clock/advance", json: ["seconds": 31 * 86_400])
            #expect(
                await eventually(timeout: .seconds(60)) {
                    try await Self.backupsOf(database, "status = 'deleted'") == 14
                })
            // The same cleanup slot announced again (a second message): nothing more is deleted.
            let handled = {
                try await database.count(
                    "SELECT last_sequence::int FROM provisioning.event_cursors WHERE publisher = 'timer'")
            }
            let before = try await handled()
            try await database.withAdmin { client in
                try await client.query(
                    """
                    INSERT INTO timer.outbox (id, kind, destination, type, version, correlation_id, causation_id, occurred_at, payload)
                    SELECT gen_random_uuid(), kind, destination, type, version, correlation_id, causation_id, now(), payload
                    FROM timer.outbox WHERE type = 'timer.fired' AND payload LIKE '%backup-cleanup%'
                    ORDER BY position DESC LIMIT 1
                    """, logger: TestDatabase.logger)
            }
            #expect(
                await eventually(timeout: .seconds(30)) {
                    let published = try await database.count(
                        "SELECT (max(sequence) * (1 - sign(count(*) - count(sequence))))::int FROM timer.outbox")
                    let now = try await handled()
                    return now > before && published == now
                })
            try await Task.sleep(for: .seconds(1))
            let deletions = try await whm.call("GET", "/__sim/backups").json["deletions"] as? [String: Int] ?? [:]
            #expect(deletions.count == 14)
            #expect(deletions.values.allSatisfy { $0 == 1 })
            let left = try await archives()
            #expect(left.count == 7 && left.allSatisfy { $0["user"] == "bk3" })
            #expect(
                try await database.count(
                    "SELECT count(*)::int FROM provisioning.tasks WHERE type = 'delete-backup' AND status = 'done'")
                    == 14)
            #expect(
                try await Self.backupsOf(
                    database,
                    """
                    status = 'completed' AND expires_at - requested_at = interval '60 days'
                      AND account_id = (SELECT id FROM provisioning.accounts WHERE username = 'bk3')
                    """) == 7)
        }
    }

    @Test(
        "a backup failing on the panel twice, then made, is completed after three attempts; the API refuses what it cannot do"
    )
    func failingBackupIsRetried() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning"]) { database in
            let sandbox = Sandbox(database: database, tag: "backup-retry")
            defer { sandbox.stop() }
            try await sandbox.start()
            try await sandbox.addServer()
            try await UsageSyncTests.seed(database, port: sandbox.whm.httpPort, server: "whm1", prefix: "rt", count: 1)
            let whm = Self.sim(sandbox.whm.httpPort)
            _ = try await whm.call("PUT", "/__sim/backups/settings", json: ["duration_ms": 50, "fail_next": 2])
            let account = try await Self.accountID(database, "rt1")
            let made = try await sandbox.provisioningAPI.call(
                "POST", "/api/accounts/\(account)/backups", json: ["actor": "ops@sandbox.test"])
            #expect(made.status == 202, "\(made.text)")
            let id = try #require(made.json["id"] as? String)
            #expect(
                await eventually(timeout: .seconds(60)) {
                    try await Self.backupsOf(database, "status = 'completed'") == 1
                })
            let listed = try await sandbox.provisioningAPI.call("GET", "/api/accounts/\(account)/backups")
            let backup = try #require((listed.json["items"] as? [[String: Any]])?.first)
            #expect(backup["id"] as? String == id)
            #expect(backup["attempts"] as? Int == 3)
            #expect(backup["kind"] as? String == "manual" && backup["requested_by"] as? String == "ops@sandbox.test")
            #expect((backup["location"] as? String)?.hasPrefix("/backup/hostwire/rt1") == true)
            #expect(
                try await database.count(
                    "SELECT count(*)::int FROM provisioning.outbox WHERE type = 'backup.completed'") == 1)
            #expect((try await whm.call("GET", "/__sim/backups").json["archives"] as? [Any])?.count == 1)

            let api = sandbox.provisioningAPI
            #expect(try await api.call("POST", "/api/accounts/\(account)/restore", json: ["actor": "x"]).status == 422)
            let unknown = UUID().uuidString.lowercased()
            #expect(
                try await api.call(
                    "POST", "/api/accounts/\(account)/restore", json: ["actor": "x", "backup_id": unknown]
                ).status == 409)
            #expect(
                try await api.call("POST", "/api/accounts/\(unknown)/backups", json: ["actor": "x"]).status == 404)
            #expect(try await api.call("POST", "/api/accounts/not-a-uuid/backups", json: ["actor": "x"]).status == 400)
        }
    }

    @Test(
        "restore on WHM, Plesk and DirectAdmin: a safety backup first, the panel account back to the backup's state, and one suspended for non-payment still suspended"
    )
    func restoreOnEachPanel() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning"]) { database in
            let sandbox = Sandbox(database: database, tag: "restore")
            let panels = ThreePanels(sandbox, tag: "restore")
            defer {
                sandbox.stop()
                panels.stop()
            }
            try await sandbox.start()
            _ = try await panels.start(whm: 10, plesk: 10, directAdmin: 10)
            let ports = [
                "rw": sandbox.whm.httpPort, "rp": panels.plesk.httpPort, "rd": panels.directAdmin.httpPort,
            ]
            for (prefix, server) in [("rw", "whm1"), ("rp", "plesk1"), ("rd", "da1")] {
                try await UsageSyncTests.seed(database, port: ports[prefix]!, server: server, prefix: prefix, count: 1)
                _ = try await Self.sim(ports[prefix]!).call("PUT", "/__sim/backups/settings", json: ["duration_ms": 50])
            }
            let api = sandbox.provisioningAPI
            func disk(_ prefix: String) async throws -> String? {
                try await Self.sim(ports[prefix]!).call("GET", "/__sim/accounts").array.first?["disk_mb"] as? String
            }
            var backups: [String: String] = [:]
            for prefix in ["rw", "rp", "rd"] {
                try await UsageSyncTests.setUsage(ports[prefix]!, "\(prefix)1", disk: 100, bandwidth: 0)
                let account = try await Self.accountID(database, "\(prefix)1")
                let made = try await api.call("POST", "/api/accounts/\(account)/backups", json: ["actor": "ops"])
                #expect(made.status == 202, "\(made.text)")
                backups[prefix] = made.json["id"] as? String
            }
            #expect(
                await eventually(timeout: .seconds(60)) {
                    try await Self.backupsOf(database, "status = 'completed'") == 3
                })
            // The sites change after their backups; DirectAdmin's owner stops paying.
            for prefix in ["rw", "rp", "rd"] {
                try await UsageSyncTests.setUsage(ports[prefix]!, "\(prefix)1", disk: 900, bandwidth: 0)
            }
            let unpaid = try await Self.accountID(database, "rd1")
            #expect(
                try await api.call(
                    "POST", "/api/accounts/\(unpaid)/suspend", json: ["actor": "billing", "reason": "non-payment"]
                ).status == 202)
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await Self.sim(ports["rd"]!).call("GET", "/__sim/accounts").array.first?["suspended"] as? String
                        == "1"
                })

            for prefix in ["rw", "rp", "rd"] {
                let account = try await Self.accountID(database, "\(prefix)1")
                let restore = try await api.call(
                    "POST", "/api/accounts/\(account)/restore", json: ["actor": "ops", "backup_id": backups[prefix]!])
                #expect(restore.status == 202, "\(restore.text)")
            }
            #expect(
                await eventually(timeout: .seconds(90)) {
                    try await database.count("SELECT count(*)::int FROM provisioning.restores WHERE step = 'done'") == 3
                })
            for prefix in ["rw", "rp", "rd"] { #expect(try await disk(prefix) == "100", "\(prefix)") }
            // Each safety backup holds the state before the restore.
            #expect(try await Self.backupsOf(database, "kind = 'safety' AND status = 'completed'") == 3)
            for prefix in ["rw", "rp", "rd"] {
                let archives =
                    try await Self.sim(ports[prefix]!).call("GET", "/__sim/backups").json["archives"]
                    as? [[String: String]] ?? []
                #expect(archives.map { $0["size_mb"] } == ["100", "900"], "\(prefix)")
            }
            let statuses = try await database.withAdmin { client in
                try await client.query(
                    "SELECT username, status, suspend_reason FROM provisioning.accounts ORDER BY username",
                    logger: TestDatabase.logger
                ).collect().map { try $0.decode((String, String, String?).self) }
            }
            #expect(statuses.map(\.1) == ["suspended", "active", "active"])
            #expect(statuses.first?.2 == "non-payment")
            for (prefix, suspended) in [("rw", "0"), ("rp", "0"), ("rd", "1")] {
                #expect(
                    try await Self.sim(ports[prefix]!).call("GET", "/__sim/accounts").array.first?["suspended"]
                        as? String == suspended, "\(prefix)")
            }
            #expect(
                try await database.count(
                    "SELECT count(*)::int FROM provisioning.outbox WHERE type = 'account.restored'")
                    == 3)
            // The restore's own pause is not announced (no suspension mail for a few seconds).
            #expect(
                try await database.count(
                    """
                    SELECT count(*)::int FROM provisioning.outbox WHERE type = 'account.suspended' AND payload LIKE '%"restore"%'
                    """) == 0)
        }
    }
}
