import Contracts
import Foundation
import Logging
import ServiceKit
import WireCodec

/// What billing hears: a paid order starts a subscription (its first period paid by the
/// order), a provisioned account tells which account a subscription bills, an account that
/// could not be created or was terminated ends it, and the timer's daily slots run
/// invoicing and dunning.
struct SubscriptionEvents: Sendable {
    let settings: BillingSettings

    static let cycleMonths = ["monthly": 1, "quarterly": 3, "semi-annual": 6, "annual": 12]

    func register(in definition: inout ServiceDefinition) {
        let ledger = PaymentLedger(settings: settings)
        let invoicing = Invoicing(settings: settings)
        let dunning = Dunning(settings: settings)
        definition.handlers.on(OrderPaid.self) { event, transaction in
            guard let months = Self.cycleMonths[event.billingCycle] else {
                transaction.logger.error(
                    "order with an unknown billing cycle; no subscription",
                    metadata: [
                        "order": "\(event.orderID)", "cycle": "\(event.billingCycle)",
                    ])
                return
            }
            try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
            try await CustomerStore.save(from: event, in: transaction)
            let start = BillingDay(transaction.message?.occurredAt ?? Date())
            guard
                let subscription = try await SubscriptionStore.start(
                    event, months: months, renewingAt: settings.pricesIncludeTax ? event.amount : event.price,
                    on: start,
                    in: transaction)
            else { return }
            // The first period is invoiced and paid by the order itself.
            let invoice = UUID()
            try await InvoiceStore.issueFirst(
                invoice, of: subscription, tax: .init(event), inclusive: settings.pricesIncludeTax, in: transaction)
            try await InvoiceDocuments(settings: settings).queue([invoice], in: transaction)
            _ = try await ledger.record(
                .init(
                    invoiceID: invoice, method: "order", reference: event.paymentReference,
                    amount: event.amount, currency: event.currency),
                in: transaction)
            try await UndeliveredOrders.end(event.orderID, in: transaction)
        }
        definition.handlers.on(AccountProvisioningFailed.self) { event, transaction in
            try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
            try await UndeliveredOrders.report(event.orderID, reason: event.reason, in: transaction)
        }
        // However the account ended (dunning, cancellation, an operator), nothing more is billed
        // from today; arrears stay due.
        definition.handlers.on(AccountTerminated.self) { event, transaction in
            try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
            let ended = try await SubscriptionStore.endForTerminatedAccount(event.accountID, in: transaction)
            let today = BillingDay(Date()).description
            try await InvoiceReissue(settings: settings).without(
                ended, periodsFrom: today, actor: "billing", in: transaction)
            try await InvoiceStore.cancelOpen(of: ended, periodsFrom: today, in: transaction)
        }
        definition.handlers.on(AccountProvisioned.self) { event, transaction in
            try await SubscriptionStore.link(event.orderID, to: event.accountID, in: transaction)
        }
        definition.handlers.on(TimerFired.self) { event, transaction in
            let day = BillingDay(event.slot)
            switch event.schedule {
            case "recurring-billing":
                // Cancellations due first: nothing is invoiced for a subscription ending today.
                _ = try await Cancellations(settings: settings).apply(on: day, in: transaction)
                try await invoicing.schedule(on: day, in: transaction)
            case "overdue-suspensions":
                _ = try await dunning.run(on: day, trigger: "timer", in: transaction)
            default:
                return
            }
        }
    }
}
