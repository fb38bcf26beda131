import Contracts
import Foundation
import ServiceKit

/// Taking ended services off the open invoice they shared with others: an issued invoice is
/// never edited, so it is cancelled by a numbered credit note and reissued, numbered next,
/// for what still runs. An invoice something was paid on stays as it is (a refund or a
/// credit corrects it).
struct InvoiceReissue: Sendable {
    let settings: BillingSettings

    /// Reissues each open invoice that bills one of `ended` (periods from `day` on) beside a
    /// service that goes on; answers how many.
    @discardableResult
    func without(_ ended: [UUID], periodsFrom day: String?, actor: String, in transaction: Transaction) async throws
        -> Int
    {
        guard !ended.isEmpty else { return 0 }
        let shared = try await InvoiceStore.shared(with: ended, periodsFrom: day, in: transaction)
        var issued: [InvoiceCreated] = []
        for old in shared {
            let reason = "reissued without the services that ended"
            guard
                let event = try await InvoiceStore.reissue(
                    old.id, as: UUID(), without: ended, reason: reason, inclusive: settings.pricesIncludeTax,
                    on: BillingDay(Date()), in: transaction)
            else { continue }
            try await CreditNotes.issue(
                .init(
                    invoiceID: old.id, customerID: old.customerID, amount: old.total, currency: old.currency,
                    settlement: .cancellation, reason: "\(reason): see \(event.invoice.number)", actor: actor),
                in: transaction)
            issued.append(event)
        }
        try await transaction.publish(contentsOf: issued, version: settings.invoiceCreatedVersion)
        try await InvoiceDocuments(settings: settings).queue(issued.map(\.invoice.invoiceID), in: transaction)
        return issued.count
    }
}
