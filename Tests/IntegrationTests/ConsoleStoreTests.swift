import Foundation
import Logging
import Persistence
import PortalTokens
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import PortalService

/// What the console keeps: an audit log nobody rewrites, and staff sessions no customer cookie opens.
@Suite struct ConsoleStoreTests {
    func withPortal(_ body: @escaping @Sendable (Database) async throws -> Void) async throws {
        try await TestDatabase.with(services: ["portal"]) { database in
            let logger = Logger(label: "hostwire.test.console")
            try await withPostgresClient(database.settings(as: "portal"), logger: logger) { client in
                try await ServiceHost.migrate(
                    "portal", directory: Paths.root.appendingPathComponent("migrations/portal"),
                    client: client, logger: logger)
                try await body(Database.forTests(client: client, logger: logger))
            }
        }
    }

    @Test func thePortalsOwnRoleMayOnlyAddToTheAuditLog() async throws {
        try await withPortal { database in
            let audit = AuditLog(database: database)
            try await audit.record(
                AuditEntry(
                    staffID: UUID(), actor: "staff:ana@example.test", role: "admin", address: "192.0.2.1",
                    action: "account.suspend", target: "account:1", reason: "abuse", before: #"{"status":"active"}"#,
                    after: #"{"requested":"suspend"}"#))
            for statement: PostgresQuery in [
                "UPDATE audit_log SET reason = 'rewritten'", "DELETE FROM audit_log", "TRUNCATE audit_log",
            ] {
                await #expect(throws: PSQLError.self) { try await database.query(statement) }
            }
            let entries = try await audit.entries(AuditFilter(text: "abuse"))
            #expect(entries.map(\.reason) == ["abuse"] && entries.first?.before == #"{"status": "active"}"#)
            #expect(try await audit.entries(AuditFilter(actor: "staff:someone-else")).isEmpty)
            #expect(
                try await audit.entries(AuditFilter(text: "100%_")).isEmpty, "LIKE's wildcards are searched as text")
        }
    }

    @Test func aStaffSessionOpensOnlyAsAStaffSession() async throws {
        try await withPortal { database in
            var staffSessions = PostgresSessionStore(database: database)
            staffSessions.kind = .staff
            let customerSessions = PostgresSessionStore(database: database)
            let staff = UUID()
            try await database.query(
                "INSERT INTO staff (id, email, name, role, invited_by) VALUES (\(staff), 'ana@example.test', 'Ana', 'support', 'test')"
            )
            let session = StaffSession(
                staffID: staff, email: "ana@example.test", name: "Ana", role: .support, signedInAt: Date(),
                address: "192.0.2.1", userAgent: "test", stage: .signedIn)
            try await staffSessions.create(key: "cookie-value", value: session, expires: .seconds(60))
            #expect(try await staffSessions.get(key: "cookie-value", as: StaffSession.self)?.role == .support)
            #expect(try await customerSessions.get(key: "cookie-value", as: PortalSession.self) == nil)
            try await customerSessions.remove(key: "cookie-value")
            #expect(
                try await staffSessions.get(key: "cookie-value", as: StaffSession.self) != nil,
                "a customer's logout ends no staff session")
        }
    }

    @Test func aLoginTooOldIsNoLongerSignedIn() {
        var session = StaffSession(
            staffID: UUID(), email: "a@example.test", name: "A", role: .viewer, signedInAt: Date(), address: "",
            userAgent: "", stage: .signedIn)
        #expect(session.isSignedIn)
        session.signedInAt = Date().addingTimeInterval(-StaffSession.absoluteTimeout - 1)
        #expect(!session.isSignedIn)
        session = StaffSession(
            staffID: UUID(), email: "a@example.test", name: "A", role: .viewer, signedInAt: Date(), address: "",
            userAgent: "", stage: .secondFactorSetup)
        #expect(!session.isSignedIn, "nothing opens before two-factor is set up")
    }

    @Test func csvFieldsCannotRunAsFormulas() {
        #expect(AuditController.csv("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(AuditController.csv("plain, text") == "\"plain, text\"")
    }
}
