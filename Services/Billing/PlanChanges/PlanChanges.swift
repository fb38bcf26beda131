import Contracts
import Foundation
import HTTPSupport
import ServiceKit

/// Upgrades and downgrades: an upgrade invoices the difference for the days left of the
/// current period and changes the package once that invoice is paid; a downgrade credits
/// the same share to the balance (the next invoices take it first) and changes the package
/// at once. Either way the next renewal is invoiced at the new price.
struct PlanChanges: Sendable {
    let settings: BillingSettings

    /// How long an upgrade's invoice waits for its payment before the upgrade lapses.
    static let paymentWindowDays = 14

    /// What changing to `product` would cost or give back today, for the subscription as it is locked.
    func quote(
        _ subscription: UUID, _ found: SubscriptionStore.Changeable, to product: ProductCatalog.Product
    ) throws -> PlanChangeQuote {
        guard found.status == .active, found.accountID != nil, !found.cancelling else {
            throw APIError.conflict(
                "not_changeable", "only an active service that is not being cancelled can change its plan")
        }
        guard product.id != found.productID else {
            throw APIError.conflict("same_plan", "the service has this plan already")
        }
        guard product.type == "hosting", let plan = product.panelPlan,
            let price = product.price(found.cycle, found.currency)
        else {
            throw APIError.invalid(
                "product_id", "this product has no \(found.cycle) price in \(found.currency) for a hosting service")
        }
        let direction: PlanChangeDirection = price >= found.amount ? .upgrade : .downgrade
        let difference = PlanChangeQuote.share(abs(price - found.amount), found.daysLeft, found.daysInPeriod)
        let (prorated, tax) = PlanChangeQuote.taxed(
            difference, basisPoints: found.taxBasisPoints, inclusive: settings.pricesIncludeTax)
        return PlanChangeQuote(
            subscriptionID: subscription, direction: direction, fromProductID: found.productID,
            fromProductName: found.productName, toProductID: product.id, toProductName: product.name, toPlan: plan,
            cycle: found.cycle, currency: found.currency, oldAmount: found.amount, newAmount: price,
            periodStart: found.periodStart, periodEnd: found.periodEnd, daysLeft: found.daysLeft,
            daysInPeriod: found.daysInPeriod, prorated: prorated,
            tax: tax, toLimits: AccountLimits(catalog: product.limits))
    }

    /// What a change did.
    struct Outcome: Encodable, Sendable {
        let planChangeID: UUID
        let quote: PlanChangeQuote
        let status: PlanChangeStatus
        /// The upgrade's invoice, to pay.
        let invoiceID: UUID?
        enum CodingKeys: String, CodingKey {
            case planChangeID = "plan_change_id"
            case quote, status
            case invoiceID = "invoice_id"
        }
    }

    /// Changes `subscription` (of `customer` only, when given) to `product` on `day`.
    func request(
        _ subscription: UUID, of customer: UUID?, to product: ProductCatalog.Product, actor: String, on day: BillingDay,
        in transaction: Transaction
    ) async throws -> Outcome {
        try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
        guard
            let found = try await SubscriptionStore.lockForPlanChange(
                subscription, of: customer, on: day, in: transaction)
        else { throw APIError.notFound("subscription") }
        let quote = try quote(subscription, found, to: product)
        guard try await !PlanChangeStore.isWaiting(subscription, in: transaction) else {
            throw APIError.conflict("plan_change_pending", "an upgrade of this service waits for its invoice's payment")
        }
        let id = UUID()
        switch quote.direction {
        case .upgrade where quote.total > 0:
            let invoice = UUID()
            try await InvoiceStore.issuePlanChange(
                invoice, quote, customer: found.customerID, domain: found.domain, on: day,
                inclusive: settings.pricesIncludeTax, in: transaction)
            _ = try await PlanChangeStore.record(
                id, quote, invoice: invoice, status: .awaitingPayment, actor: actor, in: transaction)
            if let party = try await InvoiceParties.load(
                invoice, on: transaction.connection, logger: transaction.logger)
            {
                try await transaction.publish(
                    contentsOf: [
                        InvoiceCreated(
                            invoice: party, periodStart: day.description, periodEnd: quote.periodEnd, autoCharge: false)
                    ], version: settings.invoiceCreatedVersion)
            }
            try await InvoiceDocuments(settings: settings).queue([invoice], in: transaction)
            return Outcome(planChangeID: id, quote: quote, status: .awaitingPayment, invoiceID: invoice)
        case .upgrade, .downgrade:
            if quote.total > 0 {
                try await CustomerStore.grantCredit(
                    quote.total, currency: quote.currency, to: found.customerID,
                    reason: "downgrade to \(quote.toProductName): \(quote.daysLeft) of \(quote.daysInPeriod) days",
                    actor: actor, in: transaction)
            }
            _ = try await PlanChangeStore.record(
                id, quote, invoice: nil, status: .applied, actor: actor, in: transaction)
            try await Self.apply(
                .init(
                    subscriptionID: subscription, productID: quote.toProductID, productName: quote.toProductName,
                    plan: quote.toPlan, limits: quote.toLimits, amount: quote.newAmount), actor: actor, in: transaction)
            return Outcome(planChangeID: id, quote: quote, status: .applied, invoiceID: nil)
        }
    }

    /// Applies the upgrade `invoice` paid for, if it paid for one (the payment's own transaction).
    static func applyPaid(_ invoice: UUID, in transaction: Transaction) async throws {
        guard let paid = try await PlanChangeStore.applyPaid(invoice, in: transaction) else { return }
        try await apply(paid, actor: "billing", in: transaction)
    }

    /// Cancels the upgrade invoices unpaid `paymentWindowDays` after they were due, and their upgrades.
    static func lapse(on day: BillingDay, in transaction: Transaction) async throws {
        try await PlanChangeStore.lapse(
            invoices: try await InvoiceStore.cancelUnpaidPlanChanges(
                dueBefore: day.adding(days: -paymentWindowDays), in: transaction),
            in: transaction)
    }

    private static func apply(_ change: PlanChangeStore.Paid, actor: String, in transaction: Transaction) async throws {
        try await SubscriptionStore.changeProduct(
            change.subscriptionID, to: change.productID, named: change.productName, amount: change.amount,
            in: transaction)
        if let account = try await SubscriptionStore.account(of: change.subscriptionID, in: transaction) {
            try await transaction.send(
                ChangePackage(
                    accountID: account, plan: change.plan, actor: actor,
                    limits: change.limits.isEmpty ? nil : change.limits))
        }
    }
}
