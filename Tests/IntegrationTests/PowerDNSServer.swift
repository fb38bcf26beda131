import Foundation
import Synchronization
import TestSupport

/// A real PowerDNS Authoritative server (Debian's pdns-server with the SQLite backend) on
/// free ports: DNS on `dnsPort`, the HTTP API on `apiPort`. Its data survives `stop()`.
final class PowerDNSServer: Sendable {
    static let apiKey = "pdns-test-key"
    let dnsPort = freePort(), apiPort = freePort()
    let directory: URL
    private let process = ChildProcess()

    init() {
        directory = Paths.root.appendingPathComponent("var/test-pdns/\(UUID().uuidString.prefix(8))")
    }

    var apiURL: String { "http://127.0.0.1:\(apiPort)" }

    func start() async throws {
        let database = directory.appendingPathComponent("pdns.sqlite3")
        if !FileManager.default.fileExists(atPath: database.path) {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Shell.run(
                "/bin/sh",
                ["-c", "sqlite3 '\(database.path)' < /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"])
            try """
            launch=gsqlite3
            gsqlite3-database=\(database.path)
            local-address=127.0.0.1
            local-port=\(dnsPort)
            socket-dir=\(directory.path)
            api=yes
            api-key=\(Self.apiKey)
            webserver=yes
            webserver-address=127.0.0.1
            webserver-port=\(apiPort)
            webserver-allow-from=127.0.0.0/8
            daemon=no
            guardian=no
            security-poll-suffix=
            """.write(to: directory.appendingPathComponent("pdns.conf"), atomically: true, encoding: .utf8)
        }
        try process.start(
            "/usr/sbin/pdns_server", ["--config-dir=\(directory.path)"],
            log: directory.appendingPathComponent("pdns.log"))
        let ready = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            (try? Shell.run(
                "/usr/bin/curl", ["-fsS", "-H", "X-API-Key: \(Self.apiKey)", "\(self.apiURL)/api/v1/servers/localhost"]))
                != nil
        }
        guard ready else { throw ShellError(description: "pdns_server did not start; see \(directory.path)/pdns.log") }
    }

    /// SIGKILL, as an outage looks (pdns_server does not end on SIGTERM while it serves);
    /// SQLite keeps every committed change.
    func stop() { process.kill() }

    /// `dig +short` against this server.
    func dig(_ name: String, _ type: String) throws -> [String] {
        try Shell.run("/usr/bin/dig", ["+short", "+norecurse", "@127.0.0.1", "-p", "\(dnsPort)", name, type])
            .split(separator: "\n").map(String.init)
    }
}
