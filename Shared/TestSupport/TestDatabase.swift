import Foundation
import Logging
import Persistence
import PostgresNIO
import Synchronization

/// A fresh database on the test cluster, with a login role and schema per service, made
/// by the same script production uses (deploy/postgres/bootstrap-role.sh).
public struct TestDatabase: Sendable {
    public let name: String
    public let admin: DatabaseSettings

    /// The cluster's superuser URL, from `HOSTWIRE_TEST_ADMIN_URL` (set by `make test`).
    public static var adminURL: String {
        ProcessInfo.processInfo.environment["HOSTWIRE_TEST_ADMIN_URL"] ?? "postgres://postgres@127.0.0.1:55432/postgres"
    }

    /// Creates a database for `services`, runs `body`, and drops the database afterwards.
    public static func with<R: Sendable>(
        services: [String], adminURL: String = Self.adminURL, _ body: (TestDatabase) async throws -> R
    ) async throws -> R {
        let cluster = try DatabaseSettings(url: adminURL)
        let name = "hw_" + UUID().uuidString.prefix(8).lowercased()
        try await withPostgresClient(cluster, logger: logger) { client in
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        var admin = cluster
        admin.database = name
        let database = TestDatabase(name: name, admin: admin)
        // Roles are cluster-wide and shared by suites running in parallel: altering one from
        // two sessions at once fails with "tuple concurrently updated", so one at a time.
        try bootstrapping.withLock { _ in
            for service in services {
                try Shell.run(
                    Paths.root.appendingPathComponent("deploy/postgres/bootstrap-role.sh").path,
                    [database.url(as: "postgres"), service])
            }
        }
        do {
            let result = try await body(database)
            try? await database.drop(cluster)
            return result
        } catch {
            try? await database.drop(cluster)
            throw error
        }
    }

    /// A `postgres://` URL for `role` in this database.
    public func url(as role: String) -> String {
        "postgres://\(role)@\(admin.host):\(admin.port)/\(name)"
    }

    /// Settings to connect as service `role`, with its schema as search path.
    public func settings(as role: String) -> DatabaseSettings {
        admin.connecting(as: role, password: nil, schema: role)
    }

    /// Runs `body` with a superuser client on this database, giving up after `limit`.
    ///
    /// A client that began connecting while Postgres was shutting down (the fault tests
    /// restart it) was seen waiting for a connection forever; such an attempt is abandoned,
    /// and a caller polling with `eventually` tries again with a fresh client.
    public func withAdmin<R: Sendable>(
        within limit: Duration = .seconds(60),
        _ body: @escaping @Sendable (PostgresClient) async throws -> R
    ) async throws -> R {
        let admin = admin
        return try await value(
            of: Task { try await withPostgresClient(admin, logger: Self.logger, body) }, within: limit,
            what: "a query as superuser")
    }

    /// A single integer from `query`, run as superuser.
    public func count(_ query: PostgresQuery) async throws -> Int {
        try await withAdmin { client in
            try await client.query(query, logger: Self.logger).collect().first!.decode(Int.self)
        }
    }

    private func drop(_ cluster: DatabaseSettings) async throws {
        try await withPostgresClient(cluster, logger: Self.logger) { client in
            try await client.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: Self.logger)
        }
    }

    /// Errors only: every short-lived client here leases before its `run()` task has started,
    /// which PostgresNIO warns about thousands of times a run, burying the test output.
    public static let logger: Logger = {
        var logger = Logger(label: "hostwire.test")
        logger.logLevel = .error
        return logger
    }()
    private static let bootstrapping = Mutex(())
}

extension Database {
    /// A pool for in-process tests, whose calls wait up to two minutes.
    ///
    /// Every suite starts at once on CI's two cores, so a call can queue for seconds behind
    /// the others: slow, not stuck. Tests that exercise the deadline set their own.
    public static func forTests(client: PostgresClient, logger: Logger) -> Database {
        Database(client: client, logger: logger, deadline: .seconds(120))
    }
}
