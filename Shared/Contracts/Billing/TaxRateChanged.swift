import Foundation

/// Billing, which owns the tax rates, set a country's rate: checkout keeps a copy, so the
/// first payment (the order) is taxed as every renewal is.
public struct TaxRateChanged: Event {
    public static let wireName = "tax-rate.changed"
    public static let publisher = "billing"

    /// ISO 3166-1 alpha-2.
    public var country: String
    public var name: String
    /// Hundredths of a percent: 1900 is 19%.
    public var basisPoints: Int

    public init(country: String, name: String, basisPoints: Int) {
        self.country = country
        self.name = name
        self.basisPoints = basisPoints
    }

    enum CodingKeys: String, CodingKey {
        case country, name
        case basisPoints = "basis_points"
    }
}
