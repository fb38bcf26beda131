import Contracts
import ExternalHTTP
import Foundation
import NIOHTTP1

/// Checkout's catalog as billing reads it (its public `GET /api/catalog/products`): what a
/// subscription may change to, at which price and on which panel package. Billing never
/// takes a price from whoever asks for the change.
struct ProductCatalog: Sendable {
    let checkout: ExternalHTTPClient

    typealias Product = CatalogProduct

    struct Unavailable: Error {}

    /// The active product `id`, or `nil` when checkout does not sell it.
    func product(_ id: UUID) async throws -> Product? {
        let response: ExternalResponse
        do {
            response = try await checkout.send(.GET, "/api/catalog/products")
        } catch {
            throw Unavailable()
        }
        guard response.status == 200, let products = try? response.decode([Product].self) else { throw Unavailable() }
        return products.first { $0.id == id }
    }
}
