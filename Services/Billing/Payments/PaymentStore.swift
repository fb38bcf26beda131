import Contracts
import Foundation
import Persistence
import PostgresNIO
import ServiceKit

/// Money received and given back — `payments` and `refunds`: every statement that writes them.
enum PaymentStore {
    /// Records a payment of `invoice` once per provider `reference`; `false` when it was recorded before.
    static func record(
        _ payment: PaymentLedger.Payment, currency: String, in transaction: Transaction
    ) async throws -> Bool {
        try await !transaction.query(
            """
            INSERT INTO payments (invoice_id, method, reference, amount, currency, note)
            VALUES (\(payment.invoiceID), \(payment.method), \(payment.reference), \(payment.amount), \(currency), \(payment.note))
            ON CONFLICT (reference) DO NOTHING RETURNING id
            """
        ).isEmpty
    }

    /// What a refund of a payment needs to know.
    struct Refundable: Sendable {
        /// `order`, `card`, `webhook`, `manual` or `credit`.
        let method: String
        let reference: String
        /// What is left to refund.
        let left: Int
        let refundedBefore: Int
    }

    static func refundable(_ payment: UUID, on database: Database) async throws -> Refundable? {
        try await database.query(
            "SELECT method, reference, amount - refunded, refunded FROM payments WHERE id = \(payment)"
        ).first.map { row in
            let (method, reference, left, before) = try row.decode((String, String, Int, Int).self)
            return Refundable(method: method, reference: reference, left: left, refundedBefore: before)
        }
    }

    /// The payments on `subscription`'s invoices with something left to refund.
    static func unrefunded(of subscription: UUID, in transaction: Transaction) async throws -> [UUID] {
        try await transaction.query(
            """
            SELECT p.id FROM payments p JOIN invoices i ON i.id = p.invoice_id
            WHERE i.subscription_id = \(subscription) AND p.amount > p.refunded
            """
        ).map { try $0.decode(UUID.self) }
    }

    /// Records a refund made at the provider, once per its reference, against its payment;
    /// answers the payment's invoice, `nil` when the refund was recorded before.
    static func recordRefund(_ id: UUID, of made: Refunds.Made, in transaction: Transaction) async throws -> UUID? {
        guard
            try await !transaction.query(
                """
                INSERT INTO refunds (id, payment_id, reference, amount, reason, cause, actor)
                VALUES (\(id), \(made.payment), \(made.reference), \(made.amount), \(made.note), \(made.cause.rawValue), \(made.actor))
                ON CONFLICT (reference) DO NOTHING RETURNING id
                """
            ).isEmpty
        else { return nil }
        return try await transaction.query(
            "UPDATE payments SET refunded = refunded + \(made.amount) WHERE id = \(made.payment) RETURNING invoice_id"
        ).first?.decode(UUID.self)
    }
}
