import Foundation

/// Something the host sells, with a price per billing cycle and currency.
struct Product: Codable, Sendable {
    var id: UUID
    var slug: String
    var name: String
    var type: String
    var panelPlan: String?
    var serverGroup: String?
    var limits: [String: Int]
    var active: Bool
    var prices: [Price]

    enum CodingKeys: String, CodingKey {
        case id, slug, name, type
        case panelPlan = "panel_plan"
        case serverGroup = "server_group"
        case limits, active, prices
    }
}

/// A price in integer minor units.
struct Price: Codable, Sendable, Equatable {
    var billingCycle: String
    var currency: String
    var amount: Int

    enum CodingKeys: String, CodingKey {
        case billingCycle = "billing_cycle"
        case currency, amount
    }
}

/// What a product is, as stored in `products.type`.
enum ProductType: String, Codable, Sendable, CaseIterable {
    case hosting, vps, domain

    /// Whether some service delivers it once paid: only these can be sold, so nothing is
    /// charged for what nothing would provision.
    var isDeliverable: Bool { self == .hosting }
}

enum BillingCycle {
    static let all: Set<String> = ["monthly", "quarterly", "semi-annual", "annual"]
}
