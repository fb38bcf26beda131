import Contracts
import Foundation
import Persistence
import PostgresNIO
import ServiceKit

/// ``PersonRepository`` in the portal's schema; the emails go out through the outbox, in
/// the same transaction as the rows that make their links valid.
struct PostgresPersonRepository: PersonRepository {
    let store: ServiceStore

    /// What ``decode(_:)`` reads, in its order.
    private static let columns =
        "id, email, name, password_hash, customer_id, verified_at, totp_secret_sealed, totp_enabled_at"

    func person(email: String) async throws -> Person? {
        try await store.database.query(
            """
            SELECT \(unescaped: Self.columns) FROM people WHERE email = \(email.lowercased())
            """
        ).first.map(Self.decode)
    }

    func person(id: UUID) async throws -> Person? {
        try await store.database.query(
            """
            SELECT \(unescaped: Self.columns) FROM people WHERE id = \(id)
            """
        ).first.map(Self.decode)
    }

    func search(_ text: String?, limit: Int) async throws -> [Person] {
        let pattern = text.map(LikePattern.containing)
        return try await store.database.query(
            """
            SELECT \(unescaped: Self.columns) FROM people
            WHERE \(pattern)::text IS NULL OR concat_ws(' ', name, email, company) ILIKE \(pattern)
            ORDER BY created_at DESC LIMIT \(limit)
            """
        ).map(Self.decode)
    }

    func signUp(email: String, name: String, passwordHash: String, link: NewEmailLink) async throws -> UUID? {
        try await store.transaction { transaction in
            guard
                let row = try await transaction.query(
                    """
                    INSERT INTO people (id, email, name, password_hash) VALUES (\(UUID()), \(email.lowercased()), \(name), \(passwordHash))
                    ON CONFLICT (email) DO NOTHING RETURNING \(unescaped: Self.columns)
                    """
                ).first
            else { return nil }
            let person = try Self.decode(row)
            try await Self.insert(link, for: person, transaction)
            return person.id
        }
    }

    func sendLink(_ link: NewEmailLink, to person: Person) async throws {
        try await store.transaction { transaction in
            try await Self.insert(link, for: person, transaction)
        }
    }

    func linkOwner(tokenHash: String, purpose: EmailLinkPurpose) async throws -> Person? {
        try await store.database.query(
            """
            SELECT p.id, p.email, p.name, p.password_hash, p.customer_id, p.verified_at, p.totp_secret_sealed, p.totp_enabled_at
            FROM email_links l JOIN people p ON p.id = l.person_id
            WHERE l.token_hash = \(tokenHash) AND l.purpose = \(purpose.rawValue) AND l.used_at IS NULL AND l.expires_at > now()
            """
        ).first.map(Self.decode)
    }

    func useLink(tokenHash: String, purpose: EmailLinkPurpose) async throws -> Person? {
        try await store.transaction { transaction in
            try await Self.use(tokenHash, purpose, transaction)
        }
    }

    func resetPassword(tokenHash: String, passwordHash: String) async throws -> Person? {
        try await store.transaction { transaction in
            guard let person = try await Self.use(tokenHash, .reset, transaction) else { return nil }
            // Following a reset link proves the address as well as a verification link does.
            _ = try await transaction.query(
                """
                UPDATE people SET password_hash = \(passwordHash), password_changed_at = now(),
                    verified_at = coalesce(verified_at, now()) WHERE id = \(person.id)
                """)
            try await transaction.query(PostgresSessionStore.removingAll(of: person.id))
            return person
        }
    }

    func requestEmailChange(of person: Person, to newEmail: String, link: NewEmailLink) async throws {
        try await store.transaction { transaction in
            try await Self.insert(link, for: person, newEmail: newEmail.lowercased(), transaction)
        }
    }

    func emailChange(tokenHash: String) async throws -> (person: Person, newEmail: String)? {
        guard
            let row = try await store.database.query(
                """
                SELECT l.new_email FROM email_links l
                WHERE l.token_hash = \(tokenHash) AND l.purpose = 'email-change' AND l.used_at IS NULL AND l.expires_at > now()
                """
            ).first,
            let person = try await linkOwner(tokenHash: tokenHash, purpose: .emailChange)
        else { return nil }
        return (person, try row.decode(String.self))
    }

    func changeEmail(tokenHash: String) async throws -> Person? {
        try await store.transaction { transaction in
            guard
                let row = try await transaction.query(
                    """
                    UPDATE email_links SET used_at = now()
                    WHERE token_hash = \(tokenHash) AND purpose = 'email-change' AND used_at IS NULL AND expires_at > now()
                    RETURNING person_id, new_email
                    """
                ).first
            else { return nil }
            let (id, email) = try row.decode((UUID, String).self)
            do {
                _ = try await transaction.query(
                    "UPDATE people SET email = \(email), verified_at = coalesce(verified_at, now()) WHERE id = \(id)")
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                throw EmailTaken()
            }
            // Whoever was signed in with the old address signs in again with the new one.
            try await transaction.query(PostgresSessionStore.removingAll(of: id))
            return try await transaction.query(
                """
                SELECT \(unescaped: Self.columns) FROM people WHERE id = \(id)
                """
            ).first.map(Self.decode)
        }
    }

    func setCustomer(_ customer: UUID, of person: UUID) async throws {
        _ = try await store.database.query("UPDATE people SET customer_id = \(customer) WHERE id = \(person)")
    }

    func profile(of person: UUID) async throws -> Profile? {
        guard
            let row = try await store.database.query(
                """
                SELECT name, company, address, city, postal_code, country, vat_id, erasure_requested_at, erased_at FROM people WHERE id = \(person)
                """
            ).first
        else { return nil }
        let (name, company, address, city, postalCode, country, vatID, erasure, erased) =
            try row.decode((String, String?, String?, String?, String?, String?, String?, Date?, Date?).self)
        return Profile(
            name: name, company: company, address: address, city: city, postalCode: postalCode, country: country,
            vatID: vatID, erasureRequestedAt: erasure, erasedAt: erased)
    }

    func updateProfile(_ profile: Profile, of person: UUID) async throws {
        _ = try await store.database.query(
            """
            UPDATE people SET name = \(profile.name), company = \(profile.company), address = \(profile.address), city = \(profile.city),
                postal_code = \(profile.postalCode), country = \(profile.country), vat_id = \(profile.vatID)
            WHERE id = \(person)
            """)
    }

    func requestErasure(of person: UUID) async throws -> Date {
        try await store.database.query(
            """
            UPDATE people SET erasure_requested_at = coalesce(erasure_requested_at, now()) WHERE id = \(person)
            RETURNING erasure_requested_at
            """
        ).first?.decode(Date.self) ?? Date()
    }

    func erase(_ person: UUID, passwordHash: String) async throws -> CustomerErased? {
        try await store.transaction { transaction in
            let placeholder = CustomerErased.placeholderEmail(for: person)
            guard
                let row = try await transaction.query(
                    """
                    WITH old AS (SELECT email FROM people WHERE id = \(person) AND erased_at IS NULL FOR UPDATE)
                    UPDATE people p SET email = \(placeholder), name = 'Erased customer', password_hash = \(passwordHash),
                        company = NULL, address = NULL, city = NULL, postal_code = NULL, country = NULL, vat_id = NULL,
                        totp_secret_sealed = NULL, totp_enabled_at = NULL, totp_last_step = NULL, erased_at = now()
                    FROM old WHERE p.id = \(person)
                    RETURNING old.email, p.customer_id
                    """
                ).first
            else { return nil }
            let (email, customer) = try row.decode((String, UUID?).self)
            _ = try await transaction.query("DELETE FROM recovery_codes WHERE person_id = \(person)")
            _ = try await transaction.query("DELETE FROM email_links WHERE person_id = \(person)")
            try await transaction.query(PostgresSessionStore.removingAll(of: person))
            try await transaction.query(CustomerNotes.removingAll(on: person))
            let erased = CustomerErased(personID: person, customerID: customer, email: email)
            try await transaction.publish(erased)
            return erased
        }
    }

    func startTwoFactor(_ person: UUID, sealedSecret: String) async throws {
        _ = try await store.database.query(
            """
            UPDATE people SET totp_secret_sealed = \(sealedSecret), totp_enabled_at = NULL, totp_last_step = NULL
            WHERE id = \(person) AND totp_enabled_at IS NULL
            """)
    }

    func enableTwoFactor(_ person: UUID, step: Int64, recoveryCodeHashes: [String]) async throws -> Bool {
        try await store.transaction { transaction in
            guard
                try await !transaction.query(
                    """
                    UPDATE people SET totp_enabled_at = now(), totp_last_step = \(step)
                    WHERE id = \(person) AND totp_enabled_at IS NULL AND totp_secret_sealed IS NOT NULL RETURNING id
                    """
                ).isEmpty
            else { return false }
            _ = try await transaction.query("DELETE FROM recovery_codes WHERE person_id = \(person)")
            for hash in recoveryCodeHashes {
                _ = try await transaction.query(
                    "INSERT INTO recovery_codes (person_id, code_hash) VALUES (\(person), \(hash))")
            }
            return true
        }
    }

    func disableTwoFactor(_ person: UUID) async throws {
        try await store.transaction { transaction in
            _ = try await transaction.query(
                """
                UPDATE people SET totp_secret_sealed = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = \(person)
                """)
            _ = try await transaction.query("DELETE FROM recovery_codes WHERE person_id = \(person)")
        }
    }

    func useTimeStep(_ step: Int64, of person: UUID) async throws -> Bool {
        try await !store.database.query(
            """
            UPDATE people SET totp_last_step = \(step)
            WHERE id = \(person) AND (totp_last_step IS NULL OR totp_last_step < \(step)) RETURNING id
            """
        ).isEmpty
    }

    func useRecoveryCode(hash: String, of person: UUID) async throws -> Bool {
        try await !store.database.query(
            """
            UPDATE recovery_codes SET used_at = now() WHERE person_id = \(person) AND code_hash = \(hash) AND used_at IS NULL
            RETURNING person_id
            """
        ).isEmpty
    }

    func recoveryCodesLeft(_ person: UUID) async throws -> Int {
        try await store.database.query(
            """
            SELECT count(*)::int FROM recovery_codes WHERE person_id = \(person) AND used_at IS NULL
            """
        ).first?.decode(Int.self) ?? 0
    }

    /// Marks the link used (once, however many requests race) and returns its person.
    private static func use(_ tokenHash: String, _ purpose: EmailLinkPurpose, _ transaction: Transaction) async throws
        -> Person?
    {
        guard
            let row = try await transaction.query(
                """
                UPDATE email_links SET used_at = now()
                WHERE token_hash = \(tokenHash) AND purpose = \(purpose.rawValue) AND used_at IS NULL AND expires_at > now()
                RETURNING person_id
                """
            ).first
        else { return nil }
        let id = try row.decode(UUID.self)
        if purpose == .verify {
            _ = try await transaction.query(
                "UPDATE people SET verified_at = coalesce(verified_at, now()) WHERE id = \(id)")
        }
        return try await transaction.query(
            """
            SELECT \(unescaped: Self.columns) FROM people WHERE id = \(id)
            """
        ).first.map(decode)
    }

    /// Stores `link` and has it emailed: to `newEmail` when it proves a new address, else to the person's.
    private static func insert(
        _ link: NewEmailLink, for person: Person, newEmail: String? = nil, _ transaction: Transaction
    ) async throws {
        let expires = Date().addingTimeInterval(Double(link.purpose.lifetime.components.seconds))
        _ = try await transaction.query(
            """
            INSERT INTO email_links (token_hash, person_id, purpose, expires_at, new_email)
            VALUES (\(link.tokenHash), \(person.id), \(link.purpose.rawValue), \(expires), \(newEmail))
            """)
        try await transaction.publish(
            EmailLinkRequested(
                personID: person.id, email: newEmail ?? person.email, name: person.name,
                purpose: link.purpose,
                sealedLink: link.sealedLink))
    }

    private static func decode(_ row: PostgresRow) throws -> Person {
        let (id, email, name, hash, customer, verified, totp, totpEnabled) =
            try row.decode((UUID, String, String, String, UUID?, Date?, String?, Date?).self)
        return Person(
            id: id, email: email, name: name, passwordHash: hash, customerID: customer, verifiedAt: verified,
            totpSecretSealed: totp, totpEnabledAt: totpEnabled)
    }
}
