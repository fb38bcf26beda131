import Foundation
import Persistence

/// A Postgres cluster of a test's own, for tests that crash or restart Postgres without
/// disturbing the suites running beside them. Made by deploy/local/postgres.sh.
public struct PrivateCluster: Sendable {
    public let port: Int
    let directory: URL

    /// Starts a new cluster, runs `body`, and removes the cluster.
    public static func with<R: Sendable>(_ body: (PrivateCluster) async throws -> R) async throws -> R {
        let cluster = PrivateCluster(
            port: freePort(),
            directory: Paths.root.appendingPathComponent("var/test-clusters/\(UUID().uuidString.prefix(8))"))
        try cluster.control("start")
        defer {
            try? cluster.control("stop")
            try? FileManager.default.removeItem(at: cluster.directory)
        }
        return try await body(cluster)
    }

    /// The superuser URL of the cluster's `postgres` database.
    public var adminURL: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    /// Restarts Postgres cleanly (`pg_ctl restart -m fast`): every connection is cut.
    public func restart() throws { try control("restart") }

    /// Runs deploy/local/postgres.sh `command` against this cluster.
    func control(_ command: String) throws {
        try Shell.run(
            "/usr/bin/env",
            [
                "HOSTWIRE_VAR=\(directory.path)", "HOSTWIRE_PG_PORT=\(port)",
                Paths.root.appendingPathComponent("deploy/local/postgres.sh").path, command,
            ])
    }
}
