import Contracts
import Foundation
import HTTPSupport
import Hummingbird
import PostgresNIO
import ServiceKit

/// `/api/billing`: subscriptions, invoices with their lines, payments and charge attempts,
/// manual payments and refunds, a customer's balance, tax rates, and billing runs on demand.
struct BillingController: Sendable {
    let dependencies: ServiceDependencies
    let settings: BillingSettings
    let ledger: PaymentLedger

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        TasksController<ServiceRequestContext>(store: dependencies.store, registry: dependencies.taskRegistry)
            .addRoutes(to: api)
        let invoices = InvoiceQueries(database: dependencies.database)
        api.get("subscriptions") { request, _ in
            let query = request.uri.queryParameters
            return APIResponse.json(
                try await invoices.subscriptions(
                    customer: try request.uuidQuery("customer_id"),
                    status: try request.query(
                        "status", as: SubscriptionStatus.self,
                        otherwise: "status is active, suspended, terminated or cancelled"),
                    cancelling: query.get("cancelling") == "true", paging: try Paging(request).numbers))
        }
        api.get("invoices") { request, _ in
            let status = try request.query(
                "status", as: InvoiceStatus.self, otherwise: "status is open, paid, cancelled or refunded")
            return APIResponse.json(
                try await invoices.invoices(
                    customer: try request.uuidQuery("customer_id"),
                    subscription: try request.uuidQuery("subscription_id"), status: status,
                    paging: try Paging(request).numbers)
            )
        }
        api.get("invoices/{id}") { _, context in
            guard let invoice = try await invoices.invoice(try context.parameters.require("id", as: UUID.self)) else {
                throw APIError.notFound("invoice")
            }
            return APIResponse.json(invoice)
        }
        api.get("payments") { request, _ in
            APIResponse.json(
                try await invoices.payments(
                    invoice: try request.uuidQuery("invoice_id"),
                    customer: try request.uuidQuery("customer_id"),
                    paging: try Paging(request).numbers))
        }
        api.get("customers/{id}/balance") { _, context in
            APIResponse.json(try await invoices.balance(try context.parameters.require("id", as: UUID.self)))
        }
        // An operator cancels for the customer (`actor` names who), or takes back a pending cancellation.
        api.post("subscriptions/{id}/cancellation") { request, context in
            struct Body: Decodable {
                let when: CancellationTime
                let actor: String?
            }
            let id = try context.parameters.require("id", as: UUID.self)
            let body = try await APIResponse.decode(Body.self, from: request)
            let actor = context.actor(claimed: body.actor, max: 200)
            return APIResponse.json(
                try await dependencies.store.transaction { transaction in
                    try await Cancellations(settings: settings).request(
                        id, of: nil, when: body.when, actor: actor, today: BillingDay(Date()), in: transaction)
                })
        }
        api.delete("subscriptions/{id}/cancellation") { _, context -> HTTPResponse.Status in
            let id = try context.parameters.require("id", as: UUID.self)
            try await dependencies.store.transaction { transaction in
                try await Cancellations(settings: settings).withdraw(id, today: BillingDay(Date()), in: transaction)
            }
            return .noContent
        }
        PaymentsController(dependencies: dependencies, settings: settings, ledger: ledger).addRoutes(to: api)
        RunsController(dependencies: dependencies, settings: settings).addRoutes(to: api)
    }
}

extension CancellationRefusal: APIErrorConvertible {
    var apiError: APIError {
        switch self {
        case .noSuchSubscription: .notFound("subscription")
        case .ended(let status): .conflict("subscription_ended", "the subscription is \(status.rawValue)")
        case .nothingPending: .notFound("pending cancellation")
        }
    }
}
