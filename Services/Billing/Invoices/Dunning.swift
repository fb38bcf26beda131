import Contracts
import Foundation
import ServiceKit

/// A day's dunning, each step once per invoice (`dunning_actions`): a reminder before the
/// due date for invoices nobody will charge, an overdue notice, suspension after the grace
/// period, termination after the termination period. An invoice with a charge under way is
/// left alone until the charge settles.
struct Dunning: Sendable {
    let settings: BillingSettings

    struct Outcome: Sendable, Codable {
        var reminders = 0
        var suspensions = 0
        var terminations = 0
    }

    func run(on day: BillingDay, trigger: String, in transaction: Transaction) async throws -> Outcome {
        try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
        var outcome = Outcome()
        guard let run = try await BillingRun.start(.dunning, on: day, trigger: trigger, in: transaction) else {
            return outcome
        }
        try await PlanChanges.lapse(on: day, in: transaction)
        outcome.reminders = try await remind(on: day, in: transaction)
        try await chargeLateFees(on: day, in: transaction)
        outcome.suspensions = try await suspend(on: day, only: nil, in: transaction)
        outcome.terminations = try await terminate(on: day, in: transaction)
        try await BillingRun.finish(run, dunning: outcome, in: transaction)
        return outcome
    }

    private func remind(on day: BillingDay, in transaction: Transaction) async throws -> Int {
        let soon = try await InvoiceStore.remindDueSoon(
            on: day, withinDays: settings.reminderDaysBefore, graceDays: settings.graceDays, in: transaction)
        // The last notice first: an invoice gets the most advanced one it is due, once.
        var overdue: [(notice: Int, invoice: InvoiceStore.Reminded)] = []
        for (index, days) in settings.overdueNoticeDays.enumerated().reversed() {
            overdue += try await InvoiceStore.remindOverdue(
                notice: index + 1, afterDays: days, on: day, graceDays: settings.graceDays, in: transaction
            ).map { (index + 1, $0) }
        }
        let parties = try await InvoiceParties.load(
            (soon.map(\.invoiceID) + overdue.map(\.invoice.invoiceID)), on: transaction.connection,
            logger: transaction.logger)
        try await transaction.publish(
            contentsOf: soon.compactMap { invoice in
                parties[invoice.invoiceID].map { InvoiceDueSoon(invoice: $0, days: -invoice.daysPastDue) }
            })
        try await transaction.publish(
            contentsOf: overdue.compactMap { notice, invoice in
                parties[invoice.invoiceID].map {
                    InvoiceOverdue(
                        invoice: $0, days: invoice.daysPastDue, suspendsOn: invoice.suspendsOn, notice: notice,
                        notices: settings.overdueNoticeDays.count)
                }
            })
        return soon.count + overdue.count
    }

    /// Issues the late fees due today, once per overdue invoice, each announced like any invoice.
    private func chargeLateFees(on day: BillingDay, in transaction: Transaction) async throws {
        guard let fee = settings.lateFee else { return }
        let fees = try await InvoiceStore.chargeLateFees(
            fee, afterDays: settings.lateFeeAfterDays, on: day, in: transaction)
        let parties = try await InvoiceParties.load(fees, on: transaction.connection, logger: transaction.logger)
        try await transaction.publish(
            contentsOf: fees.compactMap { id in
                parties[id].map {
                    InvoiceCreated(
                        invoice: $0, periodStart: day.description, periodEnd: day.description, autoCharge: false)
                }
            }, version: settings.invoiceCreatedVersion)
        try await InvoiceDocuments(settings: settings).queue(fees, in: transaction)
    }

    /// Suspends, for non-payment, the active accounts with an invoice past the grace period
    /// (`only`: just this invoice's, after its charge was declined).
    func suspend(on day: BillingDay, only: UUID?, in transaction: Transaction) async throws -> Int {
        let picked = try await InvoiceStore.unpaid(
            forDays: settings.graceDays, on: day, subscriptions: [.active], only: only, in: transaction
        ).filter { $0.accountID != nil }
        try await SubscriptionStore.suspendForNonPayment(picked.map(\.subscriptionID), in: transaction)
        try await InvoiceStore.record(.suspend, for: picked.map(\.invoiceID), on: day, in: transaction)
        try await transaction.send(
            contentsOf: picked.compactMap(\.accountID).map {
                SuspendAccount(accountID: $0, reason: "non-payment", actor: "billing")
            })
        return picked.count
    }

    /// Terminates subscriptions with an invoice unpaid beyond the termination period; their
    /// open invoices are cancelled, so nothing more is charged or reminded.
    private func terminate(on day: BillingDay, in transaction: Transaction) async throws -> Int {
        guard let days = settings.terminateAfterDays else { return 0 }
        let picked = try await InvoiceStore.unpaid(
            forDays: days, on: day, subscriptions: [.active, .suspended], in: transaction)
        let subscriptions = picked.map(\.subscriptionID)
        try await SubscriptionStore.endForNonPayment(subscriptions, in: transaction)
        try await InvoiceStore.cancelOpen(of: subscriptions, in: transaction)
        try await InvoiceStore.record(.terminate, for: picked.map(\.invoiceID), on: day, in: transaction)
        try await transaction.send(
            contentsOf: picked.compactMap(\.accountID).map { TerminateAccount(accountID: $0, actor: "billing") })
        return picked.count
    }
}
