import Contracts
import Delivery
import Foundation
import PostgresNIO
import Secrets
import TestSupport
import Testing
import WireCodec
import ZeroMQ

/// The account commands other services send to provisioning, and the same controls in an
/// operator's hands (admin API and `hostwire`), each a retried task with its event and actor.
@Suite struct AccountCommandsTests {
    /// Sends `command` to provisioning's queue through the broker, as billing's relay would.
    func send<C: Command>(_ command: C, via sandbox: Sandbox) async throws {
        let loop = try await MessageLoop(
            context: ZMQContext(), name: "fake-billing",
            sockets: [
                SocketSpec(
                    .push, [.connect("tcp://127.0.0.1:\(sandbox.bus.commandsIn)")],
                    options: sandbox.bus.clientOptions(as: "billing"))
            ])
        let wire = try WireMessage.make(
            command, to: C.queue, header: EnvelopeHeader(type: C.wireName, version: 1, source: "billing"))
        loop.send([Array(wire.address.utf8), wire.envelope], on: 0)
        try await Task.sleep(for: .milliseconds(300))
        await loop.stop()
    }

    func account(_ sandbox: Sandbox) async throws -> [String: Any] {
        try await sandbox.panelAccounts().first ?? [:]
    }

    func status(_ database: TestDatabase) async throws -> String {
        try await database.withAdmin { client in
            try await client.query("SELECT status FROM provisioning.accounts", logger: TestDatabase.logger).collect()
                .first?
                .decode(String.self) ?? "none"
        }
    }

    func events(_ database: TestDatabase, _ type: String) async throws -> Int {
        try await database.count(
            .init(unsafeSQL: "SELECT count(*)::int FROM provisioning.outbox WHERE type = '\(type)'"))
    }

    @Test("suspend, unsuspend only for the stated reason, change package and password, terminate")
    func lifecycleCommands() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "mail"]) { database in
            let sandbox = Sandbox(database: database, tag: "commands")
            defer { sandbox.stop() }
            try await sandbox.start(mail: true)
            try await sandbox.addServer()
            try await sandbox.placePaidOrder("commands.example")
            #expect(await eventually(timeout: .seconds(60)) { try await status(database) == "active" })
            let id = try await database.withAdmin { client in
                try await client.query("SELECT id FROM provisioning.accounts", logger: TestDatabase.logger).collect()
                    .first!.decode(UUID.self)
            }

            try await send(SuspendAccount(accountID: id, reason: "non-payment", actor: "billing"), via: sandbox)
            #expect(
                await eventually(timeout: .seconds(30)) { try await account(sandbox)["suspended"] as? String == "1" })
            #expect(await eventually(timeout: .seconds(10)) { try await status(database) == "suspended" })
            #expect(try await events(database, "account.suspended") == 1)

            try await send(UnsuspendAccount(accountID: id, onlyIfSuspendedFor: "abuse", actor: "billing"), via: sandbox)
            try await Task.sleep(for: .seconds(2))
            #expect(try await status(database) == "suspended", "suspended for another reason: left alone")
            try await send(
                UnsuspendAccount(accountID: id, onlyIfSuspendedFor: "non-payment", actor: "billing"), via: sandbox)
            #expect(await eventually(timeout: .seconds(30)) { try await status(database) == "active" })
            #expect(try await account(sandbox)["suspended"] as? String == "0")
            #expect(try await events(database, "account.unsuspended") == 1)

            try await send(ChangePackage(accountID: id, plan: "pro", actor: "billing"), via: sandbox)
            #expect(await eventually(timeout: .seconds(30)) { try await account(sandbox)["plan"] as? String == "pro" })
            #expect(
                await eventually(timeout: .seconds(10)) { try await events(database, "account.package-changed") == 1 })

            try await send(ChangePassword(accountID: id, actor: "billing"), via: sandbox)
            #expect(
                await eventually(timeout: .seconds(30)) { try await events(database, "account.password-changed") == 1 })

            try await send(TerminateAccount(accountID: id, actor: "billing"), via: sandbox)
            #expect(await eventually(timeout: .seconds(30)) { try await status(database) == "terminated" })
            #expect(try await sandbox.panelAccounts().isEmpty)
            #expect(try await events(database, "account.terminated") == 1)

            // The customer heard about each change, once.
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await database.count("SELECT count(*)::int FROM mail.messages WHERE status = 'sent'") == 6
                })
            let templates = try await database.withAdmin { client in
                try await client.query(
                    "SELECT template FROM mail.messages ORDER BY created_at", logger: TestDatabase.logger
                )
                .collect().map { try $0.decode(String.self) }
            }
            #expect(
                Set(templates) == [
                    "order-confirmation", "welcome", "suspension-notice", "unsuspension", "password-changed",
                    "termination",
                ])
        }
    }

    @Test(
        "an operator suspends, unsuspends, changes the package, resets the password and terminates, by API and CLI; each action stored with its actor; billing stops with the account"
    )
    func operatorControls() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "mail", "billing", "timer"]) { database in
            let sandbox = Sandbox(database: database, tag: "controls")
            defer { sandbox.stop() }
            try await sandbox.start(mail: true, billing: true)
            try await sandbox.addServer()
            try await sandbox.placePaidOrder("controls.example")
            #expect(await eventually(timeout: .seconds(60)) { try await status(database) == "active" })
            let id = try await database.withAdmin { client in
                try await client.query("SELECT id FROM provisioning.accounts", logger: TestDatabase.logger).collect()
                    .first!.decode(UUID.self)
            }.uuidString.lowercased()
            let api = sandbox.provisioningAPI
            let hostwire = { (arguments: [String]) throws -> String in
                try Shell.run(
                    "/usr/bin/env",
                    [
                        "HOSTWIRE_API_TOKEN=\(Sandbox.adminToken)",
                        "HOSTWIRE_PROVISIONING_URL=http://127.0.0.1:\(sandbox.provisioning.httpPort)",
                        "HOSTWIRE_BILLING_URL=http://127.0.0.1:\(sandbox.billing.httpPort)",
                        Paths.binaries.appendingPathComponent("hostwire").path,
                    ] + arguments)
            }

            // Refused before anything is queued: no actor, an unknown account, a change the state cannot take.
            #expect(try await api.call("POST", "/api/accounts/\(id)/suspend", json: ["reason": "abuse"]).status == 422)
            #expect(
                try await api.call(
                    "POST", "/api/accounts/\(UUID())/suspend", json: ["reason": "abuse", "actor": "ana"]
                ).status == 404)
            #expect(try await api.call("POST", "/api/accounts/\(id)/unsuspend", json: ["actor": "ana"]).status == 409)
            #expect(
                try await api.call(
                    "POST", "/api/accounts/\(id)/change-package", json: ["plan": "pro;rm", "actor": "ana"]
                ).status == 422)

            let suspended = try await api.call(
                "POST", "/api/accounts/\(id)/suspend", json: ["reason": "abuse", "actor": "ana@host"])
            #expect(suspended.status == 202 && suspended.json["status"] as? String == "pending", "\(suspended.text)")
            #expect(
                await eventually(timeout: .seconds(30)) { try await account(sandbox)["suspended"] as? String == "1" })
            #expect(await eventually(timeout: .seconds(10)) { try await status(database) == "suspended" })
            #expect(
                try await database.count(
                    """
                    SELECT count(*)::int FROM provisioning.outbox WHERE type = 'account.suspended' AND payload::jsonb ->> 'actor' = 'ana@host'
                    """) == 1)

            _ = try hostwire(["accounts", "unsuspend", id, "--actor", "ben"])
            #expect(await eventually(timeout: .seconds(30)) { try await status(database) == "active" })
            #expect(try await account(sandbox)["suspended"] as? String == "0")
            _ = try hostwire(["accounts", "change-package", id, "--plan", "pro", "--actor", "ben"])
            #expect(await eventually(timeout: .seconds(30)) { try await account(sandbox)["plan"] as? String == "pro" })
            _ = try hostwire(["accounts", "reset-password", id, "--actor", "ben"])
            #expect(
                await eventually(timeout: .seconds(30)) { try await events(database, "account.password-changed") == 1 })
            let terminated = try hostwire(["accounts", "terminate", id, "--actor", "ben", "--json"])
            #expect(terminated.contains("\"terminate\""), "\(terminated)")
            #expect(await eventually(timeout: .seconds(30)) { try await status(database) == "terminated" })
            #expect(try await sandbox.panelAccounts().isEmpty)
            #expect(throws: ShellError.self) {
                try hostwire(["accounts", "suspend", id, "--reason", "late", "--actor", "ben"])
            }

            // Every action stored with who asked and how it ended.
            #expect(
                await eventually(timeout: .seconds(10)) {
                    try await database.count(
                        "SELECT count(*)::int FROM provisioning.account_actions WHERE status = 'done'") == 5
                })
            let actions = try hostwire(["accounts", "actions", id])
            #expect(
                actions.hasPrefix("ID") && actions.contains("ana@host") && actions.contains("reset-password"),
                "\(actions)")
            #expect(
                try await database.count(
                    """
                    SELECT count(*)::int FROM provisioning.account_actions WHERE actor = 'ben' AND action IN
                        ('unsuspend', 'change-package', 'reset-password', 'terminate')
                    """) == 4)
            // The account gone, billing stops: the subscription ends with it.
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await database.count(
                        """
                        SELECT count(*)::int FROM billing.subscriptions WHERE status = 'terminated' AND end_reason = 'account_terminated'
                        """) == 1
                })
        }
    }
}
