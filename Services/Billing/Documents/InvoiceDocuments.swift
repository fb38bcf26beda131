import Foundation
import Persistence
import ServiceKit
import Tasks

/// Render an issued invoice's PDF once and keep it.
struct RenderInvoicePDFTask: TaskPayload {
    static let taskType = "render-invoice-pdf"
    static let maxAttempts = 10
    let invoiceID: UUID
    enum CodingKeys: String, CodingKey { case invoiceID = "invoice_id" }
}

/// Each issued invoice's PDF, made by a typed task after the invoice commits (so the
/// browser never runs inside the invoicing transaction) and stored unchanged for good.
/// Off when no browser is configured.
struct InvoiceDocuments: Sendable {
    let printer: PDFPrinter?
    let seller: String
    let sellerEmail: String

    init(settings: BillingSettings) {
        printer = settings.invoicePDFBrowser.map { PDFPrinter(browser: $0) }
        seller = settings.companyName
        sellerEmail = settings.supportEmail
    }

    /// Queues the PDF of each of `invoices`, once per invoice, in the transaction that issues them.
    func queue(_ invoices: [UUID], in transaction: Transaction) async throws {
        guard printer != nil, !invoices.isEmpty else { return }
        _ = try await transaction.enqueue(
            contentsOf: invoices.map { (payload: RenderInvoicePDFTask(invoiceID: $0), dedupeKey: "invoice-pdf:\($0)") })
    }

    func register(in definition: inout ServiceDefinition) {
        guard let printer else { return }
        let (seller, sellerEmail) = (seller, sellerEmail)
        definition.tasks.register(RenderInvoicePDFTask.self) { task, completion in
            let database = completion.database
            guard try await !InvoiceDocumentStore.exists(task.invoiceID, on: database),
                let invoice = try await InvoiceQueries(database: database).invoice(task.invoiceID)
            else { return }
            let pdf = try await printer.print(
                InvoiceDocument(invoice: invoice, seller: seller, sellerEmail: sellerEmail).html)
            try await completion.finish { transaction in
                _ = try await InvoiceDocumentStore.save(pdf, of: task.invoiceID, in: transaction)
            }
        }
    }
}
