import Foundation
import Persistence
import PostgresNIO

/// The ACME account kept for each CA directory (`acme_account`): its key, sealed at rest, and
/// the account's URL once registered.
enum ACMEAccountStore {
    struct Account: Sendable {
        let sealedKey: String
        /// `nil` until the account is registered with the CA.
        let url: String?
    }

    /// The account for `directory`, keeping `sealedKey` for it when there is none yet (a
    /// concurrent first use keeps whichever key was stored first).
    static func account(for directory: String, orKeep sealedKey: () throws -> String, in database: Database)
        async throws -> Account?
    {
        if let found = try await account(for: directory, in: database) { return found }
        try await database.query(
            """
            INSERT INTO acme_account (directory_url, sealed_key) VALUES (\(directory), \(try sealedKey()))
            ON CONFLICT (directory_url) DO NOTHING
            """)
        return try await account(for: directory, in: database)
    }

    private static func account(for directory: String, in database: Database) async throws -> Account? {
        try await database.query(
            "SELECT sealed_key, account_url FROM acme_account WHERE directory_url = \(directory)"
        ).first.map { row in
            let (sealed, url) = try row.decode((String, String?).self)
            return Account(sealedKey: sealed, url: url)
        }
    }

    /// Records the URL the CA gave the account of `directory`.
    static func registered(_ url: String, for directory: String, in database: Database) async throws {
        try await database.query("UPDATE acme_account SET account_url = \(url) WHERE directory_url = \(directory)")
    }
}
