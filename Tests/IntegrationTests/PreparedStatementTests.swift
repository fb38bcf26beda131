import Logging
import Persistence
import PostgresNIO
import TestSupport
import Testing

/// Adds a number to the probe table; fails on a repeated number (unique).
struct InsertProbe: PreparedStatement {
    static let sql = Self(number: 0).query.sql
    var number: Int
    var query: PostgresQuery { "INSERT INTO probes (number) VALUES (\(number)) RETURNING number * 2" }
}

/// ``PreparedStatement`` against real Postgres, on a pool of one connection. Serialized: the
/// preparation epoch is the process's, and one case moves it.
@Suite(.serialized) struct PreparedStatementTests {
    let logger = TestDatabase.logger

    func withOneConnection(_ body: (Database) async throws -> Void) async throws {
        try await TestDatabase.with(services: ["prepared_test"]) { database in
            var settings = database.settings(as: "prepared_test")
            settings.maximumConnections = 1
            try await withPostgresClient(settings, logger: logger) { client in
                try await client.query("CREATE TABLE probes (number integer PRIMARY KEY)", logger: logger)
                try await body(Database.forTests(client: client, logger: logger))
            }
        }
    }

    @Test func preparesOnceAndBindsEachRunsValues() async throws {
        try await withOneConnection { database in
            for number in 1...3 {
                let rows = try await database.run(InsertProbe(number: number))
                #expect(try rows.map { try $0.decode(Int.self) } == [number * 2])
            }
            #expect(try await preparedProbes(database) == 1)
        }
    }

    @Test func aPreparationThatFailedForAPassingReasonIsNotKept() async throws {
        try await withOneConnection { database in
            // First prepared inside a transaction an earlier statement aborted: Postgres
            // refuses the preparation, and PostgresNIO would answer every later run on this
            // connection with that refusal.
            await #expect(throws: PSQLError.self) {
                try await database.transaction { connection in
                    _ = try? await connection.query("SELECT 1 / 0", logger: logger).collect()
                    _ = try await connection.run(InsertProbe(number: 1), logger: logger)
                }
            }
            let rows = try await database.run(InsertProbe(number: 1))
            #expect(try rows.map { try $0.decode(Int.self) } == [2])
            #expect(try await preparedProbes(database) == 1)
        }
    }

    @Test func aConstraintViolationKeepsThePreparedStatement() async throws {
        try await withOneConnection { database in
            try await database.run(InsertProbe(number: 7))
            await #expect(throws: PSQLError.self) { try await database.run(InsertProbe(number: 7)) }
            #expect(try await database.run(InsertProbe(number: 8)).count == 1)
            #expect(try await preparedProbes(database) == 1)
        }
    }

    func preparedProbes(_ database: Database) async throws -> Int {
        try await database.query(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO probes%'")[0]
            .decode(Int.self)
    }
}
