import Contracts
import Foundation
import ServiceKit
import Tasks

/// A day's invoicing in committed batches: every period that comes due within the lead time
/// is invoiced (numbers without gaps, a line per subscription and period, one invoice per
/// customer and due date), then the charges due that day are queued as tasks. No statement or
/// transaction grows with the number of subscriptions, and a run killed part-way continues
/// where it stopped: what is left to invoice is what the committed batches did not move on.
struct Invoicing: Sendable {
    let settings: BillingSettings

    struct Outcome: Sendable, Codable {
        var runID: Int64?
        var invoicesCreated = 0
        var subscriptionsInvoiced = 0
        var chargesQueued = 0
        var batches = 0
        enum CodingKeys: String, CodingKey {
            case runID = "run_id"
            case invoicesCreated = "invoices_created"
            case subscriptionsInvoiced = "subscriptions_invoiced"
            case chargesQueued = "charges_queued"
            case batches
        }
    }

    /// Runs `day`'s invoicing to the end, asked for now (by an operator), batch by batch.
    func run(on day: BillingDay, trigger: String, store: ServiceStore) async throws -> Outcome {
        guard
            let run = try await store.transaction({ transaction in
                try await BillingRun.start(.invoicing, on: day, trigger: trigger, in: transaction)
            })
        else { return Outcome() }
        return try await complete(run, on: day, committing: .store(store))
    }

    /// Records the timer's run of `day` and queues it as a task, in the caller's transaction:
    /// the task survives a restart and resumes the batches not yet committed.
    func schedule(on day: BillingDay, in transaction: Transaction) async throws {
        guard let run = try await BillingRun.start(.invoicing, on: day, trigger: "timer", in: transaction) else {
            return
        }
        try await transaction.enqueue(InvoiceDueTask(runID: run, day: day.description), dedupeKey: "invoicing:\(run)")
    }

    func register(in definition: inout ServiceDefinition) {
        definition.tasks.register(InvoiceDueTask.self) { task, completion in
            guard let day = BillingDay(parsing: task.day) else {
                throw PermanentTaskFailure("invoice-due: \(task.day) is not a day")
            }
            _ = try await complete(task.runID, on: day, committing: .task(completion))
            try await completion.finish { _ in }
        }
    }

    /// Invoices what is due batch by batch, then queues the charges due, each batch committed
    /// with the run's counts; marks run `run` finished.
    private func complete(_ run: Int64, on day: BillingDay, committing batches: Batches) async throws -> Outcome {
        let (settings, size) = (settings, settings.invoicingBatchSize)
        while true {
            let invoiced = try await batches.commit { transaction in
                try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
                let edge = try await InvoiceStore.batchEdge(
                    on: day, leadDays: settings.invoiceDaysBefore, limit: size, in: transaction)
                let issued = try await InvoiceStore.issueDue(
                    on: day, leadDays: settings.invoiceDaysBefore, upTo: edge,
                    combine: settings.oneInvoicePerDueDate, inclusive: settings.pricesIncludeTax, in: transaction)
                guard !issued.isEmpty else { return 0 }
                let ids = issued.map(\.invoice.invoiceID)
                try await transaction.publish(contentsOf: issued, version: settings.invoiceCreatedVersion)
                try await InvoiceDocuments(settings: settings).queue(ids, in: transaction)
                // Credit pays first: a covered invoice is paid before any charge is queued for it.
                _ = try await CustomerCredit(ledger: PaymentLedger(settings: settings)).apply(to: ids, in: transaction)
                let subscriptions = issued.reduce(0) { $0 + ($1.lines?.count ?? 0) }
                try await BillingRun.progress(
                    run, invoices: issued.count, subscriptions: subscriptions, in: transaction)
                return issued.count
            }
            if invoiced == 0 { break }
        }
        while true {
            let queued = try await batches.commit { transaction in
                try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
                let charges = try await InvoiceStore.claimDueCharges(on: day, limit: size, in: transaction).map {
                    charge in
                    (
                        payload: ChargeInvoiceTask(
                            invoiceID: charge.invoice, attempt: charge.attempt, asOf: day.description),
                        dedupeKey: "charge:\(charge.invoice):\(charge.attempt)"
                    )
                }
                let queued = try await transaction.enqueue(contentsOf: charges)
                try await BillingRun.progress(run, charges: queued, in: transaction)
                return charges.count
            }
            if queued == 0 { break }
        }
        return try await batches.commit { transaction in try await BillingRun.finish(run, in: transaction) }
    }
}

/// One run of the daily invoicing, carried out by a task so that it outlives a restart.
struct InvoiceDueTask: TaskPayload {
    static let taskType = "invoice-due"
    static let maxAttempts = 20
    let runID: Int64
    /// `yyyy-MM-dd`.
    let day: String
    enum CodingKeys: String, CodingKey {
        case runID = "run_id"
        case day
    }
}

/// Where a run's batches commit: transactions of the service's own (a run asked for by an
/// operator) or steps of the task that carries the run.
private enum Batches: Sendable {
    case store(ServiceStore)
    case task(TaskCompletion)

    func commit<R: Sendable>(_ body: @escaping @Sendable (Transaction) async throws -> R) async throws -> R {
        switch self {
        case .store(let store): try await store.transaction(body)
        case .task(let completion): try await completion.step(body)
        }
    }
}
