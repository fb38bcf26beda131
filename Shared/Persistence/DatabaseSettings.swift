import Foundation
import Logging
import PostgresNIO

/// Where and as whom a service connects to Postgres, read from a `postgres://` URL.
public struct DatabaseSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// The schema the service owns; it becomes the connection's `search_path`.
    public var schema: String?
    public var maximumConnections: Int
    /// How long Postgres lets one statement run before cancelling it (`statement_timeout`);
    /// `nil`: no limit. Services set it to their calls' deadline, so a statement the client
    /// gave up on stops holding locks and the vacuum horizon (see ``Database``).
    public var statementTimeout: Duration?

    public init(
        host: String = "127.0.0.1", port: Int = 5432, username: String, password: String? = nil,
        database: String, schema: String? = nil, maximumConnections: Int = 10
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.schema = schema
        self.maximumConnections = maximumConnections
    }

    /// Parses `postgres://user[:password]@host[:port]/database`.
    public init(url: String, schema: String? = nil, maximumConnections: Int = 10) throws {
        guard let components = URLComponents(string: url),
            ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty,
            let user = components.user, !user.isEmpty
        else { throw SettingsError("not a postgres://user@host/database URL") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw SettingsError("the database URL names no database") }
        self.init(
            host: host, port: components.port ?? 5432, username: user,
            password: components.password?.removingPercentEncoding, database: database,
            schema: schema, maximumConnections: maximumConnections)
    }

    /// The same server and database, as another role.
    public func connecting(as username: String, password: String?, schema: String?) -> DatabaseSettings {
        var copy = self
        copy.username = username
        copy.password = password
        copy.schema = schema
        return copy
    }

    /// The client configuration PostgresNIO needs.
    public var clientConfiguration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        if let schema { configuration.options.additionalStartupParameters.append(("search_path", schema)) }
        if let statementTimeout {
            let milliseconds = Int((statementTimeout / .milliseconds(1)).rounded())
            configuration.options.additionalStartupParameters.append(("statement_timeout", "\(milliseconds)"))
        }
        return configuration
    }
}

/// A configuration value that cannot be used.
public struct SettingsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
