import Contracts
import Foundation
import ServiceKit

/// When a cancellation takes effect.
enum CancellationTime: String, Codable, Sendable {
    case now
    case endOfTerm = "end_of_term"
}

/// Cancelling subscriptions: asked for now or at the end of the paid term, taken into effect
/// by the daily run (or at once), which ends the subscription, terminates its account and
/// cancels the invoices of periods from that day (one it shared with other services is
/// reissued for them); arrears stay due.
struct Cancellations: Sendable {
    let settings: BillingSettings

    struct Requested: Encodable {
        let subscriptionID: UUID
        let effectiveOn: String
        let status: SubscriptionStatus
        enum CodingKeys: String, CodingKey {
            case subscriptionID = "subscription_id"
            case effectiveOn = "effective_on"
            case status
        }
    }

    /// Records the request for `subscription` (of `customer`, when a customer asks) and, for
    /// `.now`, ends it at once. 404 for another customer's, 409 for one that has ended.
    func request(
        _ subscription: UUID, of customer: UUID?, when: CancellationTime, actor: String, today: BillingDay,
        in transaction: Transaction
    ) async throws -> Requested {
        guard let found = try await SubscriptionStore.lockForCancellation(subscription, of: customer, in: transaction)
        else { throw CancellationRefusal.noSuchSubscription }
        guard found.status.isLive else { throw CancellationRefusal.ended(found.status) }
        // The end of the term is the first day not paid for: the next period's start.
        let effective = when == .now ? today.description : found.nextDue
        try await SubscriptionStore.requestCancellation(subscription, on: effective, by: actor, in: transaction)
        try await transaction.publish(
            SubscriptionCancellationRequested(
                subscriptionID: subscription, customerID: found.customerID, customerEmail: found.customerEmail,
                customerName: found.customerName, accountID: found.accountID, domain: found.domain,
                productName: found.productName, effectiveOn: effective, actor: actor))
        if when == .now { _ = try await apply(on: today, only: subscription, in: transaction) }
        return Requested(
            subscriptionID: subscription, effectiveOn: effective, status: when == .now ? .cancelled : found.status)
    }

    /// Takes back a cancellation not yet in effect; 404 when there is none.
    func withdraw(_ subscription: UUID, today: BillingDay, in transaction: Transaction) async throws {
        guard try await SubscriptionStore.withdrawCancellation(subscription, today: today, in: transaction) else {
            throw CancellationRefusal.nothingPending
        }
    }

    /// Ends every subscription (or `only` that one) whose cancellation is due by `day`; returns how many.
    func apply(on day: BillingDay, only: UUID? = nil, in transaction: Transaction) async throws -> Int {
        let ended = try await SubscriptionStore.endCancelled(by: day, only: only, in: transaction)
        for subscription in ended {
            let actor = subscription.actor ?? "customer"
            // An invoice it shared with services that go on is reissued for them; its own are cancelled.
            try await InvoiceReissue(settings: settings).without(
                [subscription.id], periodsFrom: subscription.endsOn, actor: actor, in: transaction)
            try await InvoiceStore.cancelOpen(of: [subscription.id], periodsFrom: subscription.endsOn, in: transaction)
            if let account = subscription.accountID {
                try await transaction.send(TerminateAccount(accountID: account, actor: actor))
            }
            try await transaction.publish(
                SubscriptionCancelled(
                    subscriptionID: subscription.id, customerID: subscription.customerID,
                    accountID: subscription.accountID,
                    domain: subscription.domain, actor: actor))
        }
        return ended.count
    }
}

/// Why a cancellation was refused.
enum CancellationRefusal: Error, Equatable {
    /// No such subscription, or another customer's.
    case noSuchSubscription
    /// The subscription has already ended.
    case ended(SubscriptionStatus)
    /// There is no cancellation still to take effect.
    case nothingPending
}
