import Contracts
import Foundation

/// Which way a plan change goes: an upgrade costs the rest of the period, a downgrade gives it back.
enum PlanChangeDirection: String, Codable, Sendable {
    case upgrade, downgrade
}

/// Where a plan change stands.
enum PlanChangeStatus: String, Codable, Sendable {
    /// An upgrade whose invoice is not paid yet: nothing has changed.
    case awaitingPayment = "awaiting-payment"
    /// The subscription has the new product and price, and the panel was asked for the package.
    case applied
    /// The upgrade's invoice went unpaid and was cancelled.
    case lapsed
}

/// What changing a subscription to another product costs or gives back, for the days left
/// of the current period: `difference × days left ÷ days in the period`, rounded half-up,
/// with the customer's tax on it.
struct PlanChangeQuote: Encodable, Sendable {
    let subscriptionID: UUID
    let direction: PlanChangeDirection
    let fromProductID: UUID
    let fromProductName: String
    let toProductID: UUID
    let toProductName: String
    let toPlan: String
    let cycle: String
    let currency: String
    let oldAmount: Int
    let newAmount: Int
    let periodStart: String
    let periodEnd: String
    let daysLeft: Int
    let daysInPeriod: Int
    /// The difference for the days left, before tax.
    let prorated: Int
    let tax: Int
    /// The new product's limits, for the account (not part of the quote shown).
    var toLimits = AccountLimits()
    /// Invoiced now (upgrade) or credited to the balance (downgrade).
    var total: Int { prorated + tax }

    enum CodingKeys: String, CodingKey {
        case subscriptionID = "subscription_id"
        case direction
        case fromProductID = "from_product_id"
        case fromProductName = "from_product_name"
        case toProductID = "to_product_id"
        case toProductName = "to_product_name"
        case cycle, currency
        case oldAmount = "old_amount"
        case newAmount = "new_amount"
        case periodStart = "period_start"
        case periodEnd = "period_end"
        case daysLeft = "days_left"
        case daysInPeriod = "days_in_period"
        case prorated, tax, total
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(subscriptionID, forKey: .subscriptionID)
        try container.encode(direction, forKey: .direction)
        try container.encode(fromProductID, forKey: .fromProductID)
        try container.encode(fromProductName, forKey: .fromProductName)
        try container.encode(toProductID, forKey: .toProductID)
        try container.encode(toProductName, forKey: .toProductName)
        try container.encode(cycle, forKey: .cycle)
        try container.encode(currency, forKey: .currency)
        try container.encode(oldAmount, forKey: .oldAmount)
        try container.encode(newAmount, forKey: .newAmount)
        try container.encode(periodStart, forKey: .periodStart)
        try container.encode(periodEnd, forKey: .periodEnd)
        try container.encode(daysLeft, forKey: .daysLeft)
        try container.encode(daysInPeriod, forKey: .daysInPeriod)
        try container.encode(prorated, forKey: .prorated)
        try container.encode(tax, forKey: .tax)
        try container.encode(total, forKey: .total)
    }

    /// The prorated difference before tax and its tax at `basisPoints`: the tax on top of it,
    /// or, when prices include the tax (`inclusive`), the part of it the rate makes up.
    static func taxed(_ difference: Int, basisPoints: Int, inclusive: Bool) -> (prorated: Int, tax: Int) {
        guard inclusive else { return (difference, share(difference, basisPoints, 10_000)) }
        let tax = share(difference, basisPoints, 10_000 + basisPoints)
        return (difference - tax, tax)
    }

    /// `amount × numerator ÷ denominator` rounded half-up, for non-negative amounts (no
    /// floating point: minor units stay exact).
    static func share(_ amount: Int, _ numerator: Int, _ denominator: Int) -> Int {
        guard denominator > 0 else { return 0 }
        let (product, overflow) = amount.multipliedReportingOverflow(by: numerator * 2)
        guard !overflow else { return amount / denominator * numerator }
        return (product + denominator) / (denominator * 2)
    }
}
