import Foundation
import TestSupport
import Testing

/// A Plesk and a DirectAdmin simulator beside a sandbox's WHM one, each registered with
/// provisioning as a server of group `default`: whm1, plesk1 and da1.
struct ThreePanels {
    let sandbox: Sandbox
    let plesk: ServiceProcess
    let directAdmin: ServiceProcess

    init(_ sandbox: Sandbox, tag: String) {
        self.sandbox = sandbox
        plesk = Self.simulator("plesk", tag: tag)
        directAdmin = Self.simulator("directadmin", tag: tag)
    }

    static func simulator(_ kind: String, tag: String) -> ServiceProcess {
        ServiceProcess(
            executable: "hostwire-simulator",
            environment: ["HOSTWIRE_SIMULATOR": kind, "SIM_USER": "admin", "SIM_SECRET": "s3cret-token"],
            httpPort: freePort(), logName: "\(tag)-\(kind)")
    }

    /// Starts the two simulators and registers the three panels with these capacities
    /// (`nil` registers none of that panel); returns the servers' ids, WHM's first.
    func start(whm: Int?, plesk pleskCapacity: Int?, directAdmin directAdminCapacity: Int?) async throws -> [String] {
        try await plesk.start()
        try await directAdmin.start()
        var ids: [String] = []
        for (name, panel, port, user, secret, capacity) in [
            ("whm1", "cpanel", sandbox.whm.httpPort, "root", "whm-token", whm),
            ("plesk1", "plesk", plesk.httpPort, "admin", "s3cret-token", pleskCapacity),
            ("da1", "directadmin", directAdmin.httpPort, "admin", "s3cret-token", directAdminCapacity),
        ] {
            guard let capacity else { continue }
            ids.append(
                try await Self.register(
                    sandbox, name: name, panel: panel, port: port, user: user, secret: secret, capacity: capacity))
        }
        return ids
    }

    /// The simulators have nothing to flush: killed, as the sandbox's are.
    func stop() {
        plesk.kill()
        directAdmin.kill()
    }

    static func register(
        _ sandbox: Sandbox, name: String, panel: String, port: Int, user: String, secret: String, capacity: Int
    ) async throws -> String {
        let reply = try await sandbox.provisioningAPI.call(
            "POST", "/api/servers",
            json: [
                "name": name, "panel": panel, "hostname": "\(name).sandbox.test", "ip": "192.0.2.\(port % 200 + 1)",
                "api_url": "http://127.0.0.1:\(port)", "api_username": user, "api_secret": secret,
                "server_group": "default", "max_accounts": capacity, "nameservers": ["ns1.sandbox.test"],
            ])
        #expect(reply.status == 201, "\(reply.text)")
        return try #require(reply.json["id"] as? String)
    }
}
