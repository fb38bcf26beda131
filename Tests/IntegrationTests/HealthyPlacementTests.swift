import Foundation
import PostgresNIO
import TestSupport
import Testing

/// Placement across three servers of different panels and sizes, with their health checked
/// by provisioning itself: real processes, broker and Postgres; the panels are simulators
/// over HTTP whose faults the test switches.
@Suite(.serialized) struct HealthyPlacementTests {
    static func accounts(on port: Int) async throws -> [String] {
        try await JSONClient(port: port).call("GET", "/__sim/accounts").array.compactMap { $0["domain"] as? String }
    }

    static func server(_ sandbox: Sandbox, _ id: String) async throws -> [String: Any] {
        try await sandbox.provisioningAPI.call("GET", "/api/servers/\(id)").json
    }

    /// Replaces the simulator's faults: `faults` over none.
    static func setFaults(_ port: Int, _ faults: [String: Any]) async throws {
        let none: [String: Any] = ["latency_ms": 0, "failure_rate": 0, "timeout_rate": 0, "timeout_seconds": 35]
        let reply = try await JSONClient(port: port).call(
            "PUT", "/__sim/faults", json: none.merging(faults) { $1 })
        #expect(reply.status == 200, "\(reply.text)")
    }

    @Test(
        "30 orders spread least-full over three servers; a dead server gets none, an account waiting on it moves, and it is back once it answers"
    )
    func healthyLeastFullPlacement() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning"]) { database in
            let sandbox = Sandbox(
                database: database, tag: "placement",
                provisioningEnvironment: [
                    "HOSTWIRE_SERVER_HEALTH_INTERVAL_SECONDS": "1", "HOSTWIRE_NO_ROOM_RETRY_SECONDS": "1",
                ])
            let panels = ThreePanels(sandbox, tag: "placement")
            defer {
                sandbox.stop()
                panels.stop()
            }
            try await sandbox.start()
            let ids = try await panels.start(whm: 5, plesk: 10, directAdmin: 15)
            let (whmID, pleskID, daID) = (ids[0], ids[1], ids[2])
            let (plesk, directAdmin) = (panels.plesk, panels.directAdmin)
            let ports = [whmID: sandbox.whm.httpPort, pleskID: plesk.httpPort, daID: directAdmin.httpPort]
            func counts() async throws -> [String: Int] {
                var counts: [String: Int] = [:]
                for (id, port) in ports { counts[id] = try await Self.accounts(on: port).count }
                return counts
            }
            func placed() async throws -> Int {
                try await database.count(
                    "SELECT count(*)::int FROM provisioning.accounts WHERE status = 'active'")
            }

            // 1. Least-full: each server ends with the same share of its capacity.
            for number in 0..<30 { try await sandbox.placePaidOrder("spread\(number).example") }
            #expect(await eventually(timeout: .seconds(120)) { try await placed() == 30 })
            #expect(try await counts() == [whmID: 5, pleskID: 10, daID: 15])

            // 2. DirectAdmin stops answering: out of placement, and new orders go elsewhere.
            for (id, capacity) in [(whmID, 10), (pleskID, 15), (daID, 20)] {
                #expect(
                    try await sandbox.provisioningAPI.call(
                        "PATCH", "/api/servers/\(id)", json: ["max_accounts": capacity]
                    ).status == 200)
            }
            try await Self.setFaults(directAdmin.httpPort, ["failure_rate": 1])
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await Self.server(sandbox, daID)["health_failures"] as? Int ?? 0 >= 2
                })
            for number in 0..<6 { try await sandbox.placePaidOrder("elsewhere\(number).example") }
            #expect(await eventually(timeout: .seconds(120)) { try await placed() == 36 })
            try await Self.setFaults(directAdmin.httpPort, [:])
            var now = try await counts()
            #expect(now[daID] == 15, "the dead server got none")
            #expect(now[whmID]! + now[pleskID]! == 21)

            // 3. Back in placement once it answers: it is the least full now.
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await Self.server(sandbox, daID)["health_failures"] as? Int == 0
                })
            try await sandbox.placePaidOrder("back.example")
            #expect(await eventually(timeout: .seconds(60)) { try await placed() == 37 })
            #expect(try await Self.accounts(on: directAdmin.httpPort).contains("back.example"))

            // 4. An account placed on DirectAdmin whose creation keeps failing waits there while
            // the server answers its health checks, and moves when the server dies.
            now = try await counts()
            // Only DirectAdmin has room beyond what it holds (20 − 16 vs the others full).
            #expect(
                try await sandbox.provisioningAPI.call(
                    "PATCH", "/api/servers/\(whmID)", json: ["max_accounts": now[whmID]!]
                ).status == 200)
            #expect(
                try await sandbox.provisioningAPI.call(
                    "PATCH", "/api/servers/\(pleskID)", json: ["max_accounts": now[pleskID]!]
                ).status == 200)
            try await Self.setFaults(directAdmin.httpPort, ["fail_matching": "CMD_API_ACCOUNT_USER"])
            try await sandbox.placePaidOrder("stranded.example")
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await database.count(
                        """
                        SELECT count(*)::int FROM provisioning.accounts a JOIN provisioning.servers s ON s.id = a.server_id
                        WHERE a.domain = 'stranded.example' AND s.name = 'da1' AND a.step = 'create'
                        """) == 1
                })
            try await Self.setFaults(directAdmin.httpPort, ["failure_rate": 1])
            #expect(
                try await sandbox.provisioningAPI.call(
                    "PATCH", "/api/servers/\(whmID)", json: ["max_accounts": now[whmID]! + 1]
                ).status == 200)
            #expect(await eventually(timeout: .seconds(120)) { try await placed() == 38 })
            #expect(try await Self.accounts(on: sandbox.whm.httpPort).contains("stranded.example"))
            try await Self.setFaults(directAdmin.httpPort, [:])
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await database.count("SELECT count(*)::int FROM provisioning.stray_accounts") == 0
                })
            #expect(try await !Self.accounts(on: directAdmin.httpPort).contains("stranded.example"))
        }
    }
}
