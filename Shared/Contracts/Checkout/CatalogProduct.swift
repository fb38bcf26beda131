import Foundation

/// A product of checkout's catalog as its public API (`GET /api/catalog/products`) gives it,
/// for those who read it: the portal's storefront and billing's plan changes.
public struct CatalogProduct: Decodable, Sendable {
    public let id: UUID
    public let slug: String
    public let name: String
    /// `hosting`, `vps` or `domain`.
    public let type: String
    /// The package the panel gives an account of this product.
    public let panelPlan: String?
    public let limits: [String: Int]
    public let prices: [Price]

    /// A price in integer minor units of `currency`.
    public struct Price: Decodable, Sendable {
        public let billingCycle: String
        public let currency: String
        public let amount: Int
        enum CodingKeys: String, CodingKey {
            case billingCycle = "billing_cycle"
            case currency, amount
        }
    }

    /// The price at `cycle` in `currency`, if the product has one.
    public func price(_ cycle: String, _ currency: String) -> Int? {
        prices.first { $0.billingCycle == cycle && $0.currency == currency }?.amount
    }

    enum CodingKeys: String, CodingKey {
        case id, slug, name, type
        case panelPlan = "panel_plan"
        case limits, prices
    }
}
