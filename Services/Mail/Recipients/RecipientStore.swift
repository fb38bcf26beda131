import Contracts
import Foundation
import PostgresNIO
import ServiceKit

/// Whom each account's mail goes to (`recipients`), as its `account.provisioned` said.
enum RecipientStore {
    /// An account's owner as mail addresses them.
    struct Recipient: Sendable {
        let email: String
        let name: String
        let domain: String
    }

    /// Remembers (or refreshes) the owner of the account `event` announces.
    static func save(from event: AccountProvisioned, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            INSERT INTO recipients (account_id, email, name, domain, customer_id)
            VALUES (\(event.accountID), \(event.contactEmail), \(event.customerName), \(event.domain), \(event.customerID))
            ON CONFLICT (account_id) DO UPDATE SET email = excluded.email, name = excluded.name, customer_id = excluded.customer_id
            """)
    }

    /// Every account of `customer` is written to at `email` from now on.
    static func changeEmail(of customer: UUID, to email: String, in transaction: Transaction) async throws {
        try await transaction.query("UPDATE recipients SET email = \(email) WHERE customer_id = \(customer)")
    }

    /// Forgets whom `customer`'s accounts wrote to (their erasure).
    static func forget(customer: UUID, in transaction: Transaction) async throws {
        try await transaction.query("DELETE FROM recipients WHERE customer_id = \(customer)")
    }

    static func recipient(of account: UUID, in transaction: Transaction) async throws -> Recipient? {
        try await transaction.query(
            "SELECT email, name, domain FROM recipients WHERE account_id = \(account)"
        ).first.map { row in
            let (email, name, domain) = try row.decode((String, String, String).self)
            return Recipient(email: email, name: name, domain: domain)
        }
    }
}
