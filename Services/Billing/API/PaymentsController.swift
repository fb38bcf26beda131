import Foundation
import Hummingbird
import Messaging
import Payments
import Persistence
import PostgresNIO
import ServiceRuntime

/// Money an operator moves: a payment recorded by hand (bank transfer, cheque) and refunds.
struct PaymentsController: Sendable {
    let dependencies: ServiceDependencies
    let settings: BillingSettings
    let ledger: PaymentLedger

    struct ManualPayment: Decodable {
        let amount: Int
        /// The bank's or operator's reference; a second payment with the same one is recognised.
        let reference: String?
        let note: String?
    }

    struct RefundRequest: Decodable {
        /// Minor units; the whole unrefunded amount when omitted.
        let amount: Int?
        let reason: String?
    }

    struct Outcome: Encodable { let outcome: String }
    struct Refunded: Encodable {
        let id: UUID, paymentID: UUID, reference: String, amount: Int, invoiceStatus: String
        enum CodingKeys: String, CodingKey { case id, paymentID = "payment_id", reference, amount, invoiceStatus = "invoice_status" }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.post("invoices/{id}/payments") { request, context in
            let invoice = try context.parameters.require("id", as: UUID.self)
            let body = try await APIResponse.decode(ManualPayment.self, from: request)
            guard body.amount > 0 else { throw APIError.invalid("amount", "amount is a positive number of minor units") }
            if let reference = body.reference, reference.isEmpty || reference.count > 200 {
                throw APIError.invalid("reference", "reference is 1 to 200 characters")
            }
            let outcome = try await dependencies.store.transaction { transaction -> PaymentLedger.Outcome in
                guard let currency = try await transaction.query("SELECT currency FROM invoices WHERE id = \(invoice)")
                    .first?.decode(String.self) else { return .unknownInvoice }
                return try await ledger.record(.init(invoiceID: invoice, method: "manual",
                                                     reference: "manual:" + (body.reference ?? UUID().uuidString.lowercased()),
                                                     amount: body.amount, currency: currency, note: body.note),
                                               in: transaction)
            }
            switch outcome {
            case .unknownInvoice: throw APIError.notFound("invoice")
            case .duplicate: throw APIError.conflict("duplicate_payment", "a payment with this reference was recorded already")
            default: return APIResponse.json(Outcome(outcome: outcome.rawValue), status: .created)
            }
        }
        api.post("payments/{id}/refund") { request, context in
            let payment = try context.parameters.require("id", as: UUID.self)
            let body = try await APIResponse.decode(RefundRequest.self, from: request)
            return APIResponse.json(try await refund(payment, amount: body.amount, reason: body.reason), status: .created)
        }
    }

    /// Refunds through the provider first (its idempotency key derived from what was refunded
    /// before, so a repeated request cannot refund twice), then records it.
    private func refund(_ payment: UUID, amount requested: Int?, reason: String?) async throws -> Refunded {
        let (database, logger) = (dependencies.database, dependencies.logger)
        guard let row = try await database.query("""
            SELECT method, reference, amount - refunded, refunded FROM payments WHERE id = \(payment)
            """).first else { throw APIError.notFound("payment") }
        let (method, reference, left, refundedBefore) = try row.decode((String, String, Int, Int).self)
        let amount = requested ?? left
        guard amount > 0, amount <= left else {
            throw APIError.invalid("amount", "amount is 1 to \(left), what is left unrefunded of this payment")
        }
        let refundReference: String
        if method == "manual" {
            refundReference = "manual-refund:\(payment):\(refundedBefore)"
        } else {
            do {
                refundReference = try await settings.gateway.refund(payment: reference, amount: amount,
                                                                   idempotencyKey: "refund-\(payment)-\(refundedBefore)-\(amount)").id
            } catch let error as PaymentError {
                throw APIError(.badGateway, code: "provider_error", error.description)
            }
        }
        return try await database.transaction { connection in
            try await BillingLock.take(on: connection, logger: logger)
            let id = UUID()
            try await connection.query("""
                INSERT INTO refunds (id, payment_id, reference, amount, reason) VALUES (\(id), \(payment), \(refundReference), \(amount), \(reason))
                """, logger: logger)
            let status = try await connection.query("""
                WITH p AS (UPDATE payments SET refunded = refunded + \(amount) WHERE id = \(payment) RETURNING invoice_id)
                UPDATE invoices i SET status = CASE
                    WHEN (SELECT sum(amount - refunded) FROM payments WHERE invoice_id = i.id) - \(amount) <= 0 THEN 'refunded'
                    ELSE status END
                FROM p WHERE i.id = p.invoice_id RETURNING i.status
                """, logger: logger).collect().first?.decode(String.self) ?? "paid"
            return Refunded(id: id, paymentID: payment, reference: refundReference, amount: amount, invoiceStatus: status)
        }
    }
}
