import Contracts
import Foundation
import HTTPSupport
import Hummingbird
import Payments
import Persistence
import PostgresNIO
import ServiceKit

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
        /// Who refunds: stored with the refund and published.
        let actor: String?
    }

    struct Outcome: Encodable { let outcome: String }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.post("invoices/{id}/payments") { request, context in
            let invoice = try context.parameters.require("id", as: UUID.self)
            let body = try await APIResponse.decode(ManualPayment.self, from: request)
            guard body.amount > 0 else {
                throw APIError.invalid("amount", "amount is a positive number of minor units")
            }
            if let reference = body.reference, reference.isEmpty || reference.count > 200 {
                throw APIError.invalid("reference", "reference is 1 to 200 characters")
            }
            let reference = "manual:" + (body.reference ?? UUID().uuidString.lowercased())
            let outcome = try await dependencies.store.transaction { transaction in
                try await ledger.recordManual(
                    to: invoice, reference: reference, amount: body.amount, note: body.note, in: transaction)
            }
            switch outcome {
            case .unknownInvoice: throw APIError.notFound("invoice")
            case .duplicate:
                throw APIError.conflict("duplicate_payment", "a payment with this reference was recorded already")
            default: return APIResponse.json(Outcome(outcome: outcome.rawValue), status: .created)
            }
        }
        // Goodwill credit for a customer, taken first by their next invoices.
        api.post("customers/{id}/credits") { request, context in
            struct Body: Decodable {
                let amount: Int
                let currency: String
                let reason: String
                let actor: String?
            }
            let customer = try context.parameters.require("id", as: UUID.self)
            let body = try await APIResponse.decode(Body.self, from: request)
            guard (1...100_000_000).contains(body.amount) else {
                throw APIError.invalid("amount", "amount is 1 to 100000000 minor units")
            }
            guard body.currency.count == 3, body.currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw APIError.invalid("currency", "currency is an ISO 4217 code in capitals")
            }
            guard (3...500).contains(body.reason.count) else {
                throw APIError.invalid("reason", "reason is 3 to 500 characters")
            }
            let actor = context.actor(claimed: body.actor)
            let credit = CustomerCredit(ledger: ledger)
            switch try await dependencies.store.transaction({
                try await credit.grant(
                    body.amount, currency: body.currency, to: customer, reason: body.reason, actor: actor, in: $0)
            }) {
            case .granted(let balance):
                struct Granted: Encodable { let currency: String, balance: Int }
                return APIResponse.json(Granted(currency: body.currency, balance: balance), status: .created)
            case .unknownCustomer: throw APIError.notFound("customer")
            }
        }
        api.post("invoices/{id}/void") { request, context in
            struct Body: Decodable {
                let reason: String
                let actor: String?
            }
            let invoice = try context.parameters.require("id", as: UUID.self)
            let body = try await APIResponse.decode(Body.self, from: request)
            guard (3...500).contains(body.reason.count) else {
                throw APIError.invalid("reason", "reason is 3 to 500 characters")
            }
            let actor = context.actor(claimed: body.actor)
            switch try await dependencies.store.transaction({
                try await InvoiceVoid().void(invoice, actor: actor, reason: body.reason, in: $0)
            }) {
            case .voided: return APIResponse.json(Outcome(outcome: "voided"))
            case .notFound: throw APIError.notFound("invoice")
            case .notOpen(let status):
                throw APIError.conflict("not_open", "the invoice is \(status): only an open invoice can be voided")
            case .partlyPaid:
                throw APIError.conflict("partly_paid", "money was received on this invoice: refund it instead")
            case .chargeInProgress:
                throw APIError.conflict(
                    "charge_in_progress", "a charge of this invoice is under way; try again when it settles")
            }
        }
        // Credit to the customer's balance against a paid invoice, by a numbered credit note.
        api.post("invoices/{id}/credit-notes") { request, context in
            struct Body: Decodable {
                let amount: Int
                let reason: String
                let actor: String?
            }
            guard let invoice = context.parameters.get("id", as: UUID.self) else { throw APIError.notFound("invoice") }
            let body = try await APIResponse.decode(Body.self, from: request)
            guard (3...500).contains(body.reason.count) else {
                throw APIError.invalid("reason", "reason is 3 to 500 characters")
            }
            let actor = context.actor(claimed: body.actor)
            let number = try await dependencies.store.transaction { transaction in
                try await CreditNotes.credit(
                    body.amount, of: invoice, reason: body.reason, actor: actor, in: transaction)
            }
            struct Issued: Encodable { let number: String }
            return APIResponse.json(Issued(number: number), status: .created)
        }
        api.get("credit-notes") { request, _ in
            let invoice = request.uri.queryParameters.get("invoice_id").flatMap(UUID.init(uuidString:))
            let customer = request.uri.queryParameters.get("customer_id").flatMap(UUID.init(uuidString:))
            return APIResponse.json(
                try await InvoiceQueries(database: dependencies.database).creditNotes(
                    invoice: invoice, customer: customer, paging: try Paging(request).numbers))
        }
        api.post("payments/{id}/refund") { request, context in
            let payment = try context.parameters.require("id", as: UUID.self)
            let body = try await APIResponse.decode(RefundRequest.self, from: request)
            if let reason = body.reason, reason.count > 500 {
                throw APIError.invalid("reason", "reason is at most 500 characters")
            }
            let actor = context.actor(claimed: body.actor)
            let refunds = Refunds(gateway: settings.gateway)
            let made: Refunds.Made
            do {
                made = try await refunds.make(
                    payment, amount: body.amount, cause: .requested, actor: actor, note: body.reason,
                    on: dependencies.database)
            } catch Refunds.Refusal.unknownPayment {
                throw APIError.notFound("payment")
            } catch Refunds.Refusal.amount(let left) {
                throw APIError.invalid("amount", "amount is 1 to \(left), what is left unrefunded of this payment")
            } catch Refunds.Refusal.provider(let error) {
                throw APIError(.badGateway, code: "provider_error", error.description)
            } catch Refunds.Refusal.creditPayment {
                throw APIError.conflict(
                    "credit_payment", "this was paid from the customer's credit; grant credit instead")
            }
            guard
                let refunded = try await dependencies.store.transaction({ transaction in
                    try await refunds.record(made, in: transaction)
                })
            else {
                throw APIError.conflict("refund_recorded", "this refund was recorded already")
            }
            return APIResponse.json(refunded, status: .created)
        }
    }
}
