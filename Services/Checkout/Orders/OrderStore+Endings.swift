import Foundation
import Persistence
import PostgresNIO
import ServiceKit

extension OrderStore {
    /// An unpaid order that has just expired.
    struct Expired: Sendable {
        let id: UUID
        let customerID: UUID
        let domain: String?
        /// The PaymentIntent still to cancel at the provider, when one was made.
        let paymentIntent: String?
    }

    /// Cancels (`expired`) every order still waiting for its payment that was placed before `cutoff`.
    static func expire(placedBefore cutoff: Date, in transaction: Transaction) async throws -> [Expired] {
        try await transaction.query(
            """
            UPDATE orders SET status = 'cancelled', ended_at = now(), end_reason = 'expired', updated_at = now()
            WHERE status = 'pending_payment' AND created_at < \(cutoff)
            RETURNING id, customer_id, domain, payment_intent
            """
        ).map { row in
            let (order, customer, domain, intent) = try row.decode((UUID, UUID, String?, String?).self)
            return Expired(id: order, customerID: customer, domain: domain, paymentIntent: intent)
        }
    }

    /// Closes the paid order for `domain`: its account was terminated, and the domain may be ordered again.
    static func close(paidFor domain: String, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            UPDATE orders SET status = 'closed', ended_at = now(), end_reason = 'account terminated', updated_at = now()
            WHERE domain = \(domain) AND status = 'paid'
            """)
    }

    /// Records that the work `order` asked for is over (its account made or given up on),
    /// so it leaves the backlog; a second report changes nothing.
    static func finish(_ order: UUID, in transaction: Transaction) async throws {
        try await transaction.query(
            "UPDATE orders SET finished_at = now() WHERE id = \(order) AND finished_at IS NULL")
    }

    /// How many paid orders are not finished: the platform's backlog of work taken on.
    static func unfinished(on database: Database) async throws -> Int {
        try await database.query(
            "SELECT count(*)::int FROM orders WHERE status = 'paid' AND finished_at IS NULL"
        ).first?.decode(Int.self) ?? 0
    }

    /// Forgets the VAT numbers an erased customer's orders were placed with (their invoices,
    /// at billing, keep what the law requires).
    static func forgetVATNumbers(of customer: UUID, in transaction: Transaction) async throws {
        try await transaction.query("UPDATE orders SET vat_id = NULL WHERE customer_id = \(customer)")
    }
}
