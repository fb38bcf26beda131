import Foundation
import TestSupport

/// Pebble, Let's Encrypt's test ACME server (Debian's pebble), asking the given DNS server
/// for dns-01 challenges. With `rejectNonces`, it keeps its default of refusing 5% of good nonces.
final class PebbleServer: Sendable {
    let port = freePort(), managementPort = freePort()
    let directory: URL
    let dnsPort: Int
    let rejectNonces: Bool
    private let process = ChildProcess()

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
        // Made once: a restarted Pebble keeps the certificate its clients already trust.
        if !FileManager.default.fileExists(atPath: caFile) {
            try Shell.run(
                "/usr/bin/openssl",
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
                    "-keyout", directory.appendingPathComponent("key.pem").path, "-out", caFile,
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                ])
        }
        let config =
            #"{"pebble":{"listenAddress":"127.0.0.1:\#(port)","managementListenAddress":"127.0.0.1:\#(managementPort)","certificate":"\#(caFile)","privateKey":"\#(directory.appendingPathComponent("key.pem").path)","httpPort":5002,"tlsPort":5001,"ocspResponderURL":"","externalAccountBindingRequired":false}}"#
        try config.write(to: directory.appendingPathComponent("pebble.json"), atomically: true, encoding: .utf8)
        // Every order validated anew: Pebble reuses half of the valid authorizations by default,
        // which would let a renewal skip the challenge a test means to fail.
        try process.start(
            "/usr/bin/pebble",
            ["-config", directory.appendingPathComponent("pebble.json").path, "-dnsserver", "127.0.0.1:\(dnsPort)"],
            environment: ["PEBBLE_VA_NOSLEEP": "1", "PEBBLE_AUTHZREUSE": "0"].merging(
                rejectNonces ? [:] : ["PEBBLE_WFE_NONCEREJECT": "0"]
            ) {
                $1
            },
            log: directory.appendingPathComponent("pebble.log"))
        let ready = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            (try? Shell.run("/usr/bin/curl", ["-fsS", "--cacert", self.caFile, self.directoryURL])) != nil
        }
        guard ready else { throw ShellError(description: "pebble did not start; see \(directory.path)/pebble.log") }
    }

    func stop() { process.kill() }

    /// The root that signs this run's certificates (it changes at every start), PEM.
    func root() throws -> String {
        try Shell.run("/usr/bin/curl", ["-fsS", "--cacert", caFile, "https://127.0.0.1:\(managementPort)/roots/0"])
    }
}
