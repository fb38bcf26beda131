import Foundation
import HTTPSupport
import Hummingbird
import ServiceKit

/// `…/subscriptions/{id}/plan-change`: what changing to another product costs (`GET`, the
/// price shown before confirming) and the change itself (`POST`), for the token's customer
/// (`/api/customer`) or for staff (`/api/billing`, with the actor recorded). The price is
/// always checkout's, read by billing: never one the caller sends.
struct PlanChangeController: Sendable {
    let store: ServiceStore
    let catalog: ProductCatalog
    let changes: PlanChanges

    struct Request: Decodable {
        let productID: UUID
        let actor: String?
        enum CodingKeys: String, CodingKey {
            case productID = "product_id"
            case actor
        }
    }

    /// The routes under `api`, for the customer `customer(request)` names (`nil`: staff, any customer).
    func addRoutes(
        to api: RouterGroup<ServiceRequestContext>,
        customer: @escaping @Sendable (Hummingbird.Request) async throws -> UUID?
    ) {
        api.get("subscriptions/{id}/plan-change") { request, context in
            let owner = try await customer(request)
            guard let subscription = context.parameters.get("id", as: UUID.self) else {
                throw APIError.notFound("subscription")
            }
            guard let productID = request.uri.queryParameters.get("product_id", as: UUID.self) else {
                throw APIError.invalid("product_id", "product_id is the id of a product in the catalog")
            }
            let product = try await product(productID)
            let day = BillingDay(Date())
            return APIResponse.json(
                try await store.transaction { transaction in
                    guard
                        let found = try await SubscriptionStore.lockForPlanChange(
                            subscription, of: owner, on: day, in: transaction)
                    else { throw APIError.notFound("subscription") }
                    return try changes.quote(subscription, found, to: product)
                })
        }
        api.post("subscriptions/{id}/plan-change") { request, context in
            let owner = try await customer(request)
            guard let subscription = context.parameters.get("id", as: UUID.self) else {
                throw APIError.notFound("subscription")
            }
            let body = try await APIResponse.decode(Request.self, from: request)
            let actor = owner == nil ? String((body.actor ?? "operator").prefix(200)) : "customer"
            let product = try await product(body.productID)
            return APIResponse.json(
                try await store.transaction { transaction in
                    try await changes.request(
                        subscription, of: owner, to: product, actor: actor, on: BillingDay(Date()), in: transaction)
                })
        }
    }

    private func product(_ id: UUID) async throws -> ProductCatalog.Product {
        do {
            guard let product = try await catalog.product(id) else {
                throw APIError.invalid("product_id", "no product on sale has this id")
            }
            return product
        } catch is ProductCatalog.Unavailable {
            throw APIError(.badGateway, code: "catalog_unavailable", "checkout's catalog did not answer; try again")
        }
    }
}
