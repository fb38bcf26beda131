import Logging
import PostgresNIO

/// Applies a service's migrations into its own schema, in order, each exactly once.
///
/// All instances of a service may start together: an advisory lock keyed by the schema
/// lets one apply the pending scripts while the others wait and then find nothing to do.
public struct MigrationRunner: Sendable {
    public let schema: String
    public let migrations: [Migration]
    public let logger: Logger

    public init(schema: String, migrations: [Migration], logger: Logger) {
        self.schema = schema
        self.migrations = migrations
        self.logger = logger
    }

    /// Applies what is pending; returns the migrations applied by this call.
    @discardableResult
    public func run(on client: PostgresClient) async throws -> [Migration] {
        let lockKey = "hostwire.migrate.\(schema)"
        return try await client.withTransaction(logger: logger) { connection in
            // A migration may rightly take longer than a service's statements may.
            try await connection.query("SET LOCAL statement_timeout = 0", logger: logger)
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lockKey)))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    component text NOT NULL,
                    version integer NOT NULL,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (component, version))
                """, logger: logger)
            var applied: [String: String] = [:]
            for try await (component, version, checksum) in try await connection.query(
                "SELECT component, version, checksum FROM schema_migrations", logger: logger
            ).decode((String, Int, String).self) {
                applied["\(component)/\(version)"] = checksum
            }
            var done: [Migration] = []
            for migration in migrations {
                if let checksum = applied["\(migration.component)/\(migration.version)"] {
                    if checksum != migration.checksum {
                        logger.warning(
                            "applied migration was edited since",
                            metadata: [
                                "component": "\(migration.component)", "version": "\(migration.version)",
                            ])
                    }
                    continue
                }
                for statement in SQLScript.statements(in: migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    """
                    INSERT INTO schema_migrations (component, version, name, checksum)
                    VALUES (\(migration.component), \(migration.version), \(migration.name), \(migration.checksum))
                    """, logger: logger)
                logger.info(
                    "applied migration",
                    metadata: [
                        "component": "\(migration.component)", "version": "\(migration.version)",
                        "name": "\(migration.name)",
                    ])
                done.append(migration)
            }
            return done
        }
    }
}

extension MigrationRunner {
    /// The statements a script is split into, as the runner sends them (for tests and tools).
    public static func statements(in script: String) -> [String] { SQLScript.statements(in: script) }
}
