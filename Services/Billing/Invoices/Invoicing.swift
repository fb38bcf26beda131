import Contracts
import Foundation
import ServiceKit

/// A day's invoicing, set-based: every period that comes due within the lead time is
/// invoiced (numbers without gaps, one invoice per subscription and period), and the
/// charges due that day are queued as tasks.
struct Invoicing: Sendable {
    let settings: BillingSettings

    struct Outcome: Sendable, Codable {
        var invoicesCreated = 0
        var chargesQueued = 0
        enum CodingKeys: String, CodingKey {
            case invoicesCreated = "invoices_created"
            case chargesQueued = "charges_queued"
        }
    }

    func run(on day: BillingDay, trigger: String, in transaction: Transaction) async throws -> Outcome {
        try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
        var outcome = Outcome()
        guard let run = try await BillingRun.start(.invoicing, on: day, trigger: trigger, in: transaction) else {
            return outcome
        }
        // A subscription behind by several periods (billing was down) gets one per pass.
        for _ in 0..<24 {
            let issued = try await InvoiceStore.issueDue(
                on: day, leadDays: settings.invoiceDaysBefore, in: transaction)
            guard !issued.isEmpty else { break }
            try await SubscriptionStore.advance(
                issued.map { ($0.subscriptionID, $0.event.periodEnd) }, in: transaction)
            try await transaction.publish(contentsOf: issued.map(\.event))
            try await InvoiceDocuments(settings: settings).queue(issued.map(\.event.invoice.invoiceID), in: transaction)
            outcome.invoicesCreated += issued.count
            // Credit pays first: a covered invoice is paid before any charge is queued for it.
            _ = try await CustomerCredit(ledger: PaymentLedger(settings: settings)).apply(
                to: issued.map(\.event.invoice.invoiceID), in: transaction)
        }
        outcome.chargesQueued = try await queueCharges(on: day, in: transaction)
        try await BillingRun.finish(run, invoicing: outcome, in: transaction)
        return outcome
    }

    /// Claims each open invoice whose charge is due and queues one task per attempt.
    private func queueCharges(on day: BillingDay, in transaction: Transaction) async throws -> Int {
        let charges = try await InvoiceStore.claimDueCharges(on: day, in: transaction).map { charge in
            (
                payload: ChargeInvoiceTask(invoiceID: charge.invoice, attempt: charge.attempt, asOf: day.description),
                dedupeKey: "charge:\(charge.invoice):\(charge.attempt)"
            )
        }
        return try await transaction.enqueue(contentsOf: charges)
    }
}
