import Crypto
import Foundation
import Persistence
import PostgresNIO
import ServiceKit

/// Invoices' PDFs — `invoice_documents`: stored once, never replaced.
enum InvoiceDocumentStore {
    /// Keeps `pdf` as `invoice`'s document unless it has one already (a retried render
    /// changes nothing); `false` then.
    static func save(_ pdf: [UInt8], of invoice: UUID, in transaction: Transaction) async throws -> Bool {
        let digest = SHA256.hash(data: pdf).map { String(format: "%02x", $0) }.joined()
        return try await !transaction.query(
            """
            INSERT INTO invoice_documents (invoice_id, pdf, sha256) VALUES (\(invoice), \(ByteBuffer(bytes: pdf)), \(digest))
            ON CONFLICT (invoice_id) DO NOTHING RETURNING invoice_id
            """
        ).isEmpty
    }

    /// The PDF of `invoice` if it is `customer`'s and has been rendered.
    static func pdf(of invoice: UUID, customer: UUID?, on database: Database) async throws -> ByteBuffer? {
        try await database.query(
            """
            SELECT d.pdf FROM invoice_documents d JOIN invoices i ON i.id = d.invoice_id
            WHERE d.invoice_id = \(invoice) AND (\(customer)::uuid IS NULL OR i.customer_id = \(customer))
            """
        ).first?.decode(ByteBuffer.self)
    }

    static func exists(_ invoice: UUID, on database: Database) async throws -> Bool {
        try await !database.query("SELECT 1 FROM invoice_documents WHERE invoice_id = \(invoice)").isEmpty
    }
}
