import Foundation
import Persistence
import PostgresNIO

/// A staff member's note on a customer.
struct CustomerNote: Sendable {
    let id: Int64
    let author: String
    let body: String
    let at: Date
}

/// Staff's notes on customers, kept as written (a correction is a new note).
struct CustomerNotes: Sendable {
    let database: Database

    /// The longest note, in characters.
    static let limit = 2_000

    func add(to person: UUID, by staff: StaffSession, _ body: String) async throws {
        try await database.query(
            """
            INSERT INTO customer_notes (person_id, staff_id, author, body) VALUES (\(person), \(staff.staffID), \(staff.name), \(body))
            """)
    }

    /// The statement that deletes every note on `person` (their erasure), for a repository's transaction.
    static func removingAll(on person: UUID) -> PostgresQuery {
        "DELETE FROM customer_notes WHERE person_id = \(person)"
    }

    /// The newest `limit` notes on `person`, newest first.
    func notes(on person: UUID, limit: Int = 50) async throws -> [CustomerNote] {
        try await database.query(
            """
            SELECT id, author, body, created_at FROM customer_notes WHERE person_id = \(person) ORDER BY id DESC LIMIT \(limit)
            """
        ).map { row in
            let (id, author, body, at) = try row.decode((Int64, String, String, Date).self)
            return CustomerNote(id: id, author: author, body: body, at: at)
        }
    }
}
