import Foundation
import Payments
import PostgresNIO
import Secrets
import TestSupport
import Testing

/// From a paid order to an account on the (simulated) panel, with real processes, a real
/// broker and real Postgres, under faults.
@Suite(.serialized) struct ProvisioningFlowTests {
    func activeAccounts(_ database: TestDatabase) async throws -> Int {
        try await database.count("SELECT count(*)::int FROM provisioning.accounts WHERE status = 'active'")
    }

    /// The live accounts the servers API shows for the sandbox's one server.
    func serverAccounts(_ sandbox: Sandbox) async throws -> Int? {
        try await sandbox.provisioningAPI.call("GET", "/api/servers").array.first?["accounts"] as? Int
    }

    func outboxCount(_ database: TestDatabase, _ schema: String, type: String) async throws -> Int {
        let query: String = "SELECT count(*)::int FROM \(schema).outbox WHERE type = '\(type)'"
        return try await database.count(.init(unsafeSQL: query))
    }

    @Test("an order paid through a signed webhook ends with an account, mailbox and database on the panel")
    func paidOrderIsProvisioned() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning"]) { database in
            let sandbox = Sandbox(database: database, tag: "e2e")
            defer { sandbox.stop() }
            try await sandbox.start()
            try await sandbox.addServer()
            try await sandbox.placePaidOrder("bücher-laden.example")
            let domain = "xn--bcher-laden-thb.example"
            #expect(await eventually(timeout: .seconds(60)) { try await activeAccounts(database) == 1 })
            let accounts = try await sandbox.panelAccounts()
            #expect(accounts.count == 1)
            let account = try #require(accounts.first)
            let user = try #require(account["user"] as? String)
            #expect(account["domain"] as? String == domain)
            #expect(account["plan"] as? String == "starter")
            #expect(account["mailboxes"] as? String == "info@\(domain)")
            #expect(account["databases"] as? String == "\(user)_main")
            #expect(try await outboxCount(database, "checkout", type: "order.paid") == 1)
            #expect(try await outboxCount(database, "checkout", type: "provision-account") == 1)
            #expect(try await outboxCount(database, "provisioning", type: "account.provisioned") == 1)
            #expect(try await serverAccounts(sandbox) == 1)

            // The password travels sealed for mail alone, and opens there.
            let payload = try await database.withAdmin { client in
                try await client.query(
                    "SELECT payload FROM provisioning.outbox WHERE type = 'account.provisioned'",
                    logger: TestDatabase.logger
                ).collect().first!.decode(String.self)
            }
            let event = try JSONSerialization.jsonObject(with: Data(payload.utf8)) as! [String: Any]
            let sealed = try #require(event["sealed_password"] as? String)
            let password = try FieldOpener(privateKey: Sandbox.mailKeys.privateKey, purpose: "account.password").open(
                sealed)
            #expect(password.count == 20)
            #expect(!payload.contains(password))
            #expect(event["username"] as? String == user)
        }
    }

    @Test("with the panel failing 30% of calls and timing out on some, 200 orders all end provisioned, none twice")
    func flakyPanel() async throws {
        try await withLoadSlot {
            try await TestDatabase.with(services: ["checkout", "provisioning"]) { database in
                let sandbox = Sandbox(
                    database: database, tag: "flaky",
                    panelEnvironment: [
                        "SIM_FAILURE_RATE": "0.3", "SIM_TIMEOUT_RATE": "0.03", "SIM_TIMEOUT_SECONDS": "3",
                    ])
                defer { sandbox.stop() }
                try await sandbox.start()
                try await sandbox.addServer()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<8 {
                        group.addTask {
                            for number in stride(from: worker, to: 200, by: 8) {
                                try await sandbox.placePaidOrder("shop\(number).example")
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(await eventually(timeout: .seconds(240)) { try await activeAccounts(database) == 200 })
                let accounts = try await sandbox.panelAccounts()
                #expect(accounts.count == 200, "one panel account per order")
                #expect(Set(accounts.compactMap { $0["domain"] as? String }).count == 200)
                #expect(
                    accounts.allSatisfy {
                        ($0["mailboxes"] as? String)?.isEmpty == false && ($0["databases"] as? String)?.isEmpty == false
                    })
                #expect(try await outboxCount(database, "provisioning", type: "account.provisioned") == 200)
                let stats = try await sandbox.whmAPI.call("GET", "/__sim/stats").json
                #expect((stats["failed POST /json-api/createacct"] as? Int ?? 0) > 0, "failures were injected")
                #expect(
                    (stats["timed out POST /json-api/uapi_cpanel"] as? Int ?? 0)
                        + (stats["timed out POST /json-api/createacct"] as? Int ?? 0)
                        + (stats["timed out POST /json-api/listaccts"] as? Int ?? 0) > 0, "timeouts were injected")
            }
        }
    }

    @Test(
        "a panel that always fails: the task ends in /failed with the panel's reason, and retry provisions it once it recovers"
    )
    func failedThenRetried() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning"]) { database in
            let sandbox = Sandbox(database: database, tag: "failing", panelEnvironment: ["SIM_FAILURE_RATE": "1"])
            defer { sandbox.stop() }
            try await sandbox.start()
            try await sandbox.addServer()
            try await sandbox.placePaidOrder("always-failing.example")
            var failed: [String: Any] = [:]
            #expect(
                await eventually(timeout: .seconds(90)) {
                    let items =
                        try await sandbox.provisioningAPI.call("GET", "/api/provisioning/failed").json["items"]
                        as? [[String: Any]]
                    failed = items?.first ?? [:]
                    return items?.count == 1
                })
            #expect((failed["last_error"] as? String)?.contains("Internal server error (simulated)") == true)
            #expect(failed["attempts"] as? Int == 12)
            #expect(try await outboxCount(database, "provisioning", type: "account.provisioning-failed") == 1)
            #expect(
                try await database.count("SELECT count(*)::int FROM provisioning.accounts WHERE status = 'failed'") == 1
            )

            _ = try await sandbox.whmAPI.call(
                "PUT", "/__sim/faults",
                json: [
                    "failure_rate": 0, "latency_ms": 0, "timeout_rate": 0,
                    "timeout_seconds": 1,
                ])
            let id = try #require(failed["id"] as? String)
            #expect(try await sandbox.provisioningAPI.call("POST", "/api/provisioning/retry/\(id)").status == 202)
            #expect(try await sandbox.provisioningAPI.call("POST", "/api/provisioning/retry/\(id)").status == 409)
            #expect(await eventually(timeout: .seconds(60)) { try await activeAccounts(database) == 1 })
            #expect(try await sandbox.panelAccounts().count == 1)
            #expect(try await outboxCount(database, "provisioning", type: "account.provisioned") == 1)
        }
    }

    @Test("kill -9 of provisioning in the middle of a batch: after restart every order is provisioned exactly once")
    func provisioningKilledMidBatch() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning"]) { database in
            let sandbox = Sandbox(database: database, tag: "kill", panelEnvironment: ["SIM_LATENCY_MS": "100"])
            defer { sandbox.stop() }
            try await sandbox.start()
            try await sandbox.addServer()
            // Placed ten at a time, so the batch is still being provisioned at the kill: one by one,
            // a loaded machine placed them no faster than provisioning finished them.
            for first in stride(from: 0, to: 60, by: 10) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for number in first..<first + 10 {
                        group.addTask { _ = try await sandbox.placePaidOrder("batch\(number).example") }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(
                await eventually(timeout: .seconds(60), every: .milliseconds(50)) {
                    try await activeAccounts(database) >= 5
                })
            sandbox.provisioning.kill()
            let before = try await activeAccounts(database)
            try await sandbox.provisioning.start()
            #expect(await eventually(timeout: .seconds(180)) { try await activeAccounts(database) == 60 })
            #expect(before < 60, "the kill came mid-batch")
            #expect(try await sandbox.panelAccounts().count == 60)
            #expect(try await outboxCount(database, "provisioning", type: "account.provisioned") == 60)
            #expect(try await database.count("SELECT count(*)::int FROM provisioning.dead_letters") == 0)
        }
    }

    @Test("a replayed webhook, a forged one and one older than 300 s: one order, paid once")
    func webhookReplayAndForgery() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning"]) { database in
            let sandbox = Sandbox(database: database, tag: "webhooks")
            defer { sandbox.stop() }
            try await sandbox.start()
            try await sandbox.addServer()
            let order = try await sandbox.placePaidOrder("replayed.example")
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await sandbox.checkoutAPI.call("GET", "/api/orders/\(order)").json["status"] as? String
                        == "paid"
                })
            let events = try await sandbox.stripeAPI.call("GET", "/__sim/events").array
            let payload = try #require(
                events.first { $0["type"] as? String == "payment_intent.succeeded" }?["payload"] as? String)
            let body = Array(payload.utf8)
            let signer = WebhookSignature(secret: Sandbox.webhookSecret)
            func post(_ body: [UInt8], signature: String) async throws -> JSONClient.Reply {
                try await sandbox.checkoutAPI.call(
                    "POST", "/webhooks/stripe", json: Data(body),
                    headers: [
                        "Stripe-Signature": signature, "Content-Type": "application/json",
                    ])
            }
            let replay = try await post(body, signature: signer.header(for: body))
            #expect(replay.status == 200)
            #expect(replay.json["outcome"] as? String == "duplicate")
            // The same event delivered five times at once, under an id not seen yet: one
            // delivery records it (the order is paid already), the others are duplicates.
            var again = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            again["id"] = "evt_again_\(UUID().uuidString.prefix(8))"
            let againBody = Array(try JSONSerialization.data(withJSONObject: again))
            let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await post(againBody, signature: signer.header(for: againBody)).json["outcome"] as? String
                            ?? ""
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.sorted() == ["already_paid", "duplicate", "duplicate", "duplicate", "duplicate"])
            let forged = try await post(body, signature: WebhookSignature(secret: "whsec_wrong").header(for: body))
            #expect(forged.status == 400)
            #expect((forged.json["error"] as? [String: Any])?["code"] as? String == "invalid_signature")
            let old = try await post(body, signature: signer.header(for: body, at: Date().addingTimeInterval(-301)))
            #expect(old.status == 400)
            var tampered = body
            tampered[tampered.count / 2] ^= 1
            #expect(try await post(tampered, signature: signer.header(for: body)).status == 400)
            #expect(try await post(body, signature: "").status == 400)

            #expect(try await outboxCount(database, "checkout", type: "order.paid") == 1)
            #expect(try await outboxCount(database, "checkout", type: "provision-account") == 1)
            #expect(try await database.count("SELECT count(*)::int FROM checkout.webhook_receipts") == 2)
            #expect(await eventually(timeout: .seconds(30)) { try await activeAccounts(database) == 1 })
            #expect(try await sandbox.panelAccounts().count == 1)
        }
    }
}

extension ProvisioningFlowTests {
    @Test("with no server that has room the task waits without using attempts, says why, and goes on once there is one")
    func waitsForRoom() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning"]) { database in
            let sandbox = Sandbox(
                database: database, tag: "room", provisioningEnvironment: ["HOSTWIRE_NO_ROOM_RETRY_SECONDS": "1"])
            defer { sandbox.stop() }
            try await sandbox.start()
            try await sandbox.placePaidOrder("waiting.example")
            var task: [String: Any] = [:]
            #expect(
                await eventually(timeout: .seconds(30)) {
                    task =
                        (try await sandbox.provisioningAPI.call("GET", "/api/provisioning/tasks").json["items"]
                        as? [[String: Any]])?.first ?? [:]
                    return (task["last_error"] as? String)?.contains("no active server with room in group default")
                        == true
                })
            #expect(task["status"] as? String == "pending")
            #expect(task["attempts"] as? Int == 0)
            try await sandbox.addServer(capacity: 1)
            #expect(await eventually(timeout: .seconds(30)) { try await activeAccounts(database) == 1 })
            try await sandbox.placePaidOrder("second.example")
            try await Task.sleep(for: .seconds(3))
            #expect(try await activeAccounts(database) == 1, "the only server is full")
            #expect(try await sandbox.panelAccounts().count == 1)
        }
    }
}

extension ProvisioningFlowTests {
    @Test("domains that make the same username, placed at once, get the next free alternatives on the server")
    func usernamesDoNotCollide() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning"]) { database in
            let sandbox = Sandbox(database: database, tag: "names", provisioningEnvironment: ["HOSTWIRE_WORKERS": "16"])
            defer { sandbox.stop() }
            try await sandbox.start()
            try await sandbox.addServer()
            let domains =
                ["shop.example", "shop.example.net", "shop.example.org"] + (1...5).map { "shop.example\($0).com" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for domain in domains { group.addTask { try await sandbox.placePaidOrder(domain) } }
                try await group.waitForAll()
            }
            #expect(await eventually(timeout: .seconds(60)) { try await activeAccounts(database) == domains.count })
            let names = Set(try await sandbox.panelAccounts().compactMap { $0["user"] as? String })
            #expect(names == Set(["shop"] + (1...7).map { "shop0\($0)" }))
            // A placement that lost a name to a racer picks again at once, not as a failed attempt.
            #expect(
                try await database.count(
                    """
                    SELECT count(*)::int FROM provisioning.tasks WHERE type = 'provision-account' AND (attempts <> 1 OR last_error IS NOT NULL)
                    """) == 0)
        }
    }

    @Test("placements racing for the last room on a server never fill it beyond its capacity")
    func capacityHoldsUnderConcurrentPlacements() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning"]) { database in
            let sandbox = Sandbox(
                database: database, tag: "capacity", provisioningEnvironment: ["HOSTWIRE_WORKERS": "16"])
            defer { sandbox.stop() }
            try await sandbox.start()
            try await sandbox.addServer(capacity: 5)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for order in 0..<30 { group.addTask { try await sandbox.placePaidOrder("race\(order).example") } }
                try await group.waitForAll()
            }
            #expect(
                await eventually(timeout: .seconds(60)) {
                    try await database.count(
                        "SELECT count(*)::int FROM provisioning.tasks WHERE type = 'provision-account'") == 30
                })
            #expect(await eventually(timeout: .seconds(60)) { try await activeAccounts(database) == 5 })
            try await Task.sleep(for: .seconds(3))
            #expect(
                try await database.count("SELECT count(*)::int FROM provisioning.accounts WHERE server_id IS NOT NULL")
                    == 5,
                "no placement beyond the server's 5")
            #expect(try await sandbox.panelAccounts().count == 5)
        }
    }
}

extension ProvisioningFlowTests {
    @Test("a step after the panel account that fails for good rolls the account back and reports the failure")
    func laterStepFailureRollsBack() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning"]) { database in
            let sandbox = Sandbox(
                database: database, tag: "rollback", panelEnvironment: ["SIM_FAIL_MATCHING": "add_pop"])
            defer { sandbox.stop() }
            try await sandbox.start()
            try await sandbox.addServer()
            try await sandbox.placePaidOrder("rolled-back.example")
            #expect(
                await eventually(timeout: .seconds(120)) {
                    try await database.count(
                        "SELECT count(*)::int FROM provisioning.tasks WHERE type = 'rollback-account' AND status = 'done'"
                    ) == 1
                })
            #expect(try await sandbox.panelAccounts().isEmpty, "the panel account was removed")
            #expect(
                try await database.count(
                    "SELECT count(*)::int FROM provisioning.accounts WHERE status = 'failed' AND step = 'server'") == 1)
            #expect(try await serverAccounts(sandbox) == 0, "a failed account holds no room")
            #expect(try await outboxCount(database, "provisioning", type: "account.provisioning-failed") == 1)
            let failed =
                try await sandbox.provisioningAPI.call("GET", "/api/provisioning/failed").json["items"]
                as? [[String: Any]]
            #expect((failed?.first?["last_error"] as? String)?.contains("Internal server error (simulated)") == true)

            _ = try await sandbox.whmAPI.call(
                "PUT", "/__sim/faults",
                json: [
                    "failure_rate": 0, "latency_ms": 0, "timeout_rate": 0,
                    "timeout_seconds": 1,
                ])
            let id = try #require(failed?.first?["id"] as? String)
            #expect(try await sandbox.provisioningAPI.call("POST", "/api/provisioning/retry/\(id)").status == 202)
            #expect(await eventually(timeout: .seconds(60)) { try await activeAccounts(database) == 1 })
            #expect(try await sandbox.panelAccounts().count == 1)
            #expect(try await serverAccounts(sandbox) == 1)
        }
    }
}
