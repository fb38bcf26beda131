import Logging
import Persistence
import PostgresNIO
import TestSupport
import Testing

/// A service's statements stop in Postgres when the client stops waiting for them, and its
/// migrations are not held to that bound.
@Suite struct StatementTimeoutTests {
    @Test func aStatementPastTheTimeoutIsCancelledByPostgresButAMigrationIsNot() async throws {
        try await TestDatabase.with(services: ["checkout"]) { database in
            var settings = database.settings(as: "checkout")
            settings.statementTimeout = .milliseconds(300)
            try await withPostgresClient(settings, logger: TestDatabase.logger) { client in
                let shown = try await client.query("SHOW statement_timeout", logger: TestDatabase.logger)
                    .collect().first?.decode(String.self)
                #expect(shown == "300ms")
                do {
                    _ = try await client.query("SELECT pg_sleep(2)", logger: TestDatabase.logger).collect()
                    Issue.record("a 2-s statement outlived a 300-ms statement_timeout")
                } catch let error as PSQLError {
                    #expect(error.serverInfo?[.sqlState] == "57014", "\(String(reflecting: error))")  // query_canceled
                }
                let slow = Migration(
                    component: "checkout-test", version: 1, name: "slow", sql: "SELECT pg_sleep(0.6)")
                let applied = try await MigrationRunner(
                    schema: "checkout", migrations: [slow], logger: TestDatabase.logger
                ).run(on: client)
                #expect(applied.count == 1)
            }
        }
    }
}
