import Delivery
import Foundation
import Logging
import Persistence
import PostgresNIO
import TestSupport
import Testing

/// Migrations and schema ownership against real Postgres.
@Suite struct MigrationTests {
    let logger = TestDatabase.logger

    @Test func concurrentRunnersApplyEachMigrationOnce() async throws {
        try await TestDatabase.with(services: ["alpha"]) { database in
            let migrations =
                MessagingSchema.migrations + [
                    Migration(
                        component: "alpha", version: 1, name: "things",
                        sql: """
                            CREATE TABLE things (id serial PRIMARY KEY, note text DEFAULT 'a;b');
                            CREATE FUNCTION bump() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;
                            INSERT INTO things (note) VALUES ('it''s; fine');
                            """)
                ]
            let applied = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await withPostgresClient(database.settings(as: "alpha"), logger: logger) { client in
                            try await MigrationRunner(schema: "alpha", migrations: migrations, logger: logger).run(
                                on: client
                            ).count
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(applied == migrations.count)
            #expect(try await database.count("SELECT count(*)::int FROM alpha.things") == 1)
            #expect(try await database.count("SELECT count(*)::int FROM alpha.schema_migrations") == migrations.count)
        }
    }

    @Test func aServiceRoleCannotReadAnotherServicesTables() async throws {
        try await TestDatabase.with(services: ["alpha", "beta"]) { database in
            try await withPostgresClient(database.settings(as: "beta"), logger: logger) { client in
                try await client.query("CREATE TABLE secrets (value text)", logger: logger)
                try await client.query("INSERT INTO secrets VALUES ('beta only')", logger: logger)
            }
            try await withPostgresClient(database.settings(as: "alpha"), logger: logger) { client in
                await #expect(throws: PSQLError.self) {
                    try await client.query("SELECT * FROM beta.secrets", logger: logger)
                }
                // Nor can it create anything outside its own schema.
                await #expect(throws: PSQLError.self) {
                    try await client.query("CREATE TABLE public.sneaky (x int)", logger: logger)
                }
            }
        }
    }

    @Test func sqlScriptsSplitLikePsql() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE a (t text DEFAULT ';');
            /* block; comment */ CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            SELECT $1;
            """
        #expect(MigrationRunner.statements(in: script).count == 3)
    }
}
