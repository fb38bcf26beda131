import ExternalHTTP
import Foundation
import NIOHTTP1

/// Checkout's catalog as billing reads it (its public `GET /api/catalog/products`): what a
/// subscription may change to, at which price and on which panel package. Billing never
/// takes a price from whoever asks for the change.
struct ProductCatalog: Sendable {
    let checkout: ExternalHTTPClient

    /// A product on sale, with its prices.
    struct Product: Decodable, Sendable {
        let id: UUID
        let name: String
        let type: String
        let panelPlan: String?
        let prices: [Price]

        struct Price: Decodable, Sendable {
            let billingCycle: String
            let currency: String
            let amount: Int
            enum CodingKeys: String, CodingKey {
                case billingCycle = "billing_cycle"
                case currency, amount
            }
        }

        enum CodingKeys: String, CodingKey {
            case id, name, type
            case panelPlan = "panel_plan"
            case prices
        }

        func price(_ cycle: String, _ currency: String) -> Int? {
            prices.first { $0.billingCycle == cycle && $0.currency == currency }?.amount
        }
    }

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
