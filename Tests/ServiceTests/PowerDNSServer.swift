import Foundation
import Synchronization
import TestSupport

/// A real PowerDNS Authoritative server (Debian's pdns-server with the SQLite backend) on
/// free ports: DNS on `dnsPort`, the HTTP API on `apiPort`. Its data survives `stop()`.
final class PowerDNSServer: Sendable {
    static let apiKey = "pdns-test-key"
    let dnsPort = freePort(), apiPort = freePort()
    let directory: URL
    private let process = Mutex<Process?>(nil)

    init() {
        directory = Paths.root.appendingPathComponent("var/test-pdns/\(UUID().uuidString.prefix(8))")
    }

    var apiURL: String { "http://127.0.0.1:\(apiPort)" }

    func start() async throws {
        let database = directory.appendingPathComponent("pdns.sqlite3")
        if !FileManager.default.fileExists(atPath: database.path) {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Shell.run("/bin/sh", ["-c", "sqlite3 '\(database.path)' < /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"])
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
        try process.withLock { slot in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/pdns_server")
            process.arguments = ["--config-dir=\(directory.path)"]
            let log = try FileHandle(forWritingTo: logFile())
            log.seekToEndOfFile()
            process.standardOutput = log
            process.standardError = log
            try process.run()
            slot = process
        }
        let ready = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            (try? Shell.run("/usr/bin/curl", ["-fsS", "-H", "X-API-Key: \(Self.apiKey)", "\(self.apiURL)/api/v1/servers/localhost"])) != nil
        }
        guard ready else { throw ShellError(description: "pdns_server did not start; see \(directory.path)/pdns.log") }
    }

    private func logFile() throws -> URL {
        let url = directory.appendingPathComponent("pdns.log")
        if !FileManager.default.fileExists(atPath: url.path) { FileManager.default.createFile(atPath: url.path, contents: nil) }
        return url
    }

    /// SIGKILL, as an outage looks (pdns_server does not end on SIGTERM while it serves);
    /// SQLite keeps every committed change.
    func stop() {
        process.withLock { slot in
            if let process = slot, process.isRunning {
                Glibc.kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            slot = nil
        }
    }

    /// `dig +short` against this server.
    func dig(_ name: String, _ type: String) throws -> [String] {
        try Shell.run("/usr/bin/dig", ["+short", "+norecurse", "@127.0.0.1", "-p", "\(dnsPort)", name, type])
            .split(separator: "\n").map(String.init)
    }
}

/// Pebble, Let's Encrypt's test ACME server (Debian's pebble), asking the given DNS server
/// for dns-01 challenges. With `rejectNonces`, it keeps its default of refusing 5% of good nonces.
final class PebbleServer: Sendable {
    let port = freePort(), managementPort = freePort()
    let directory: URL
    let dnsPort: Int
    let rejectNonces: Bool
    private let process = Mutex<Process?>(nil)

    init(dnsPort: Int, rejectNonces: Bool) {
        self.dnsPort = dnsPort
        self.rejectNonces = rejectNonces
        directory = Paths.root.appendingPathComponent("var/test-pebble/\(UUID().uuidString.prefix(8))")
    }

    var directoryURL: String { "https://127.0.0.1:\(port)/dir" }
    /// Pebble's own HTTPS certificate: what clients trust to talk to it.
    var caFile: String { directory.appendingPathComponent("cert.pem").path }

    func start() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Shell.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
                                           "-keyout", directory.appendingPathComponent("key.pem").path, "-out", caFile,
                                           "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        let config = #"{"pebble":{"listenAddress":"127.0.0.1:\#(port)","managementListenAddress":"127.0.0.1:\#(managementPort)","certificate":"\#(caFile)","privateKey":"\#(directory.appendingPathComponent("key.pem").path)","httpPort":5002,"tlsPort":5001,"ocspResponderURL":"","externalAccountBindingRequired":false}}"#
        try config.write(to: directory.appendingPathComponent("pebble.json"), atomically: true, encoding: .utf8)
        try process.withLock { slot in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/pebble")
            process.arguments = ["-config", directory.appendingPathComponent("pebble.json").path, "-dnsserver", "127.0.0.1:\(dnsPort)"]
            var environment = ProcessInfo.processInfo.environment
            environment["PEBBLE_VA_NOSLEEP"] = "1"
            if !rejectNonces { environment["PEBBLE_WFE_NONCEREJECT"] = "0" }
            process.environment = environment
            FileManager.default.createFile(atPath: directory.appendingPathComponent("pebble.log").path, contents: nil)
            let log = try FileHandle(forWritingTo: directory.appendingPathComponent("pebble.log"))
            process.standardOutput = log
            process.standardError = log
            try process.run()
            slot = process
        }
        let ready = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            (try? Shell.run("/usr/bin/curl", ["-fsS", "--cacert", self.caFile, self.directoryURL])) != nil
        }
        guard ready else { throw ShellError(description: "pebble did not start; see \(directory.path)/pebble.log") }
    }

    func stop() {
        process.withLock { slot in
            if let process = slot, process.isRunning {
                Glibc.kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            slot = nil
        }
    }

    /// The root that signs this run's certificates (it changes at every start), PEM.
    func root() throws -> String {
        try Shell.run("/usr/bin/curl", ["-fsS", "--cacert", caFile, "https://127.0.0.1:\(managementPort)/roots/0"])
    }
}
