import Logging
import PostgresNIO

/// Runs `body` with a connection pool whose background work lives exactly as long as the call.
public func withPostgresClient<Result: Sendable>(
    _ settings: DatabaseSettings, logger: Logger, _ body: (PostgresClient) async throws -> Result
) async throws -> Result {
    let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}
