import Foundation
import TestSupport
import Testing
import ZeroMQ

/// `hostwire-load` against a running sandbox: each stage it drives completes every item it offers.
@Suite(.serialized) struct LoadGeneratorTests {
    @Test("provisioning fed alone through its queue, and checkout through its API, complete every item")
    func stagesComplete() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning"]) { database in
            let sandbox = Sandbox(database: database, tag: "load")
            defer { sandbox.stop() }
            try await sandbox.start()
            try await sandbox.addServer()
            let endpoint = { (port: Int) in "tcp://127.0.0.1:\(port)" }
            // The load generator stands in for checkout on the bus, with checkout's identity.
            let keys = [
                "HOSTWIRE_BUS_SERVER_KEY": sandbox.bus.serverKeys.publicKey,
                "HOSTWIRE_BUS_KEYS": "checkout=\(sandbox.bus.identities["checkout"]!.secretKey)",
            ]
            let load = { (arguments: [String]) throws -> String in
                try Shell.run(
                    Paths.binaries.appendingPathComponent("hostwire-load").path, environment: keys,
                    [
                        "--rate", "10", "--duration", "2", "--drain", "60",
                        "--events", endpoint(sandbox.bus.eventsOut), "--publish", endpoint(sandbox.bus.eventsIn),
                        "--commands", endpoint(sandbox.bus.commandsIn), "--acknowledgements",
                        endpoint(sandbox.bus.queues["checkout"]!),
                    ] + arguments)
            }
            let provisioning = try load(["--stage", "provisioning"])
            #expect(
                provisioning.contains("provision-account → account.provisioned: 20 of 20 done, 0 errors"),
                "\(provisioning)")
            let checkout = try load([
                "--stage", "checkout", "--checkout", "http://127.0.0.1:\(sandbox.checkout.httpPort)",
                "--webhook-secret", Sandbox.webhookSecret,
            ])
            #expect(checkout.contains("webhook → order.paid: 20 of 20 done, 0 errors"), "\(checkout)")
            // Checkout's stage ends at order.paid; provisioning goes on to an account for each.
            #expect(
                await eventually(timeout: .seconds(60)) { try await sandbox.panelAccounts().count == 40 },
                "every item made one account, none twice")
            #expect(throws: ShellError.self) { try load(["--stage", "nowhere"]) }
        }
    }
}
