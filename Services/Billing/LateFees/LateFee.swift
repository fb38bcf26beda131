import Foundation

/// A late fee like WHMCS's: a fixed amount in the overdue invoice's currency (minor units)
/// or a share of its total (`HOSTWIRE_BILLING_LATE_FEE`: `500` or `10%`; unset, none).
public enum LateFee: Sendable, Equatable {
    case fixed(Int)
    /// Hundredths of a percent: `1000` is 10%.
    case share(basisPoints: Int)

    /// `500` (minor units) or `10%` / `2.5%` (at most 100%); `nil` for anything else.
    public init?(parsing text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.hasSuffix("%") {
            let number = text.dropLast()
            let parts = number.split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let whole = Int(parts[0]), whole >= 0,
                parts.count == 1 || (parts[1].count <= 2 && Int(parts[1]) != nil)
            else { return nil }
            let fraction = parts.count == 2 ? Int(parts[1].padding(toLength: 2, withPad: "0", startingAt: 0))! : 0
            guard whole <= 100 else { return nil }
            let basisPoints = whole * 100 + fraction
            guard (1...10_000).contains(basisPoints) else { return nil }
            self = .share(basisPoints: basisPoints)
        } else {
            guard let amount = Int(text), amount > 0, amount <= 100_000_000 else { return nil }
            self = .fixed(amount)
        }
    }
}
