import Foundation
import TestSupport
import Testing

/// The `hostwire` operator CLI against a running sandbox: tables for people, JSON for scripts.
@Suite(.serialized) struct OperatorCLITests {
    @Test("servers add, list and drain; orders list; failed tasks; bus stats; bad arguments refused")
    func operatorCommands() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning"]) { database in
            let sandbox = Sandbox(database: database, tag: "cli")
            defer { sandbox.stop() }
            try await sandbox.start()
            let hostwire = { (arguments: [String]) throws -> String in
                try Shell.run(
                    "/usr/bin/env",
                    [
                        "HOSTWIRE_API_TOKEN=\(Sandbox.adminToken)",
                        "HOSTWIRE_CHECKOUT_URL=http://127.0.0.1:\(sandbox.checkout.httpPort)",
                        "HOSTWIRE_PROVISIONING_URL=http://127.0.0.1:\(sandbox.provisioning.httpPort)",
                        "HOSTWIRE_BROKER_URL=http://127.0.0.1:\(sandbox.bus.process.httpPort)",
                        Paths.binaries.appendingPathComponent("hostwire").path,
                    ] + arguments)
            }
            let added = try hostwire([
                "servers", "add", "--name", "whm1", "--panel", "cpanel", "--hostname", "whm1.sandbox.test",
                "--ip", "192.0.2.10", "--api-url", "http://127.0.0.1:\(sandbox.whm.httpPort)", "--api-username", "root",
                "--api-secret", "whm-token", "--nameservers", "ns1.sandbox.test,ns2.sandbox.test", "--json",
            ])
            let server = try #require(try JSONSerialization.jsonObject(with: Data(added.utf8)) as? [String: Any])
            #expect(!added.contains("whm-token"), "the secret is not echoed")
            let id = try #require(server["id"] as? String)
            try await sandbox.placePaidOrder("cli.example")
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try hostwire(["orders", "list", "--status", "paid"]).contains("cli.example")
                })
            let table = try hostwire(["servers", "list"])
            #expect(table.hasPrefix("ID") && table.contains("whm1.sandbox.test") && table.contains("active"))
            #expect(try hostwire(["servers", "drain", id]).contains("draining"))
            #expect(try hostwire(["tasks", "failed", "--service", "provisioning"]).contains("(none)"))
            #expect(try hostwire(["dead-letters", "list", "--service", "checkout", "--waiting"]).contains("(none)"))
            #expect(throws: ShellError.self) { try hostwire(["dead-letters", "list", "--service", "nowhere"]) }
            let stats = try hostwire(["bus", "stats"])
            #expect(stats.hasPrefix("METRIC") && stats.contains("commands_forwarded_total  provisioning"), "\(stats)")
            #expect(throws: ShellError.self) { try hostwire(["tasks", "list", "--service", "nowhere"]) }
            #expect(throws: ShellError.self) {
                try hostwire(["orders", "show", "00000000-0000-4000-8000-00000000dead"])
            }
        }
    }
}
