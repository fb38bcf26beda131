import Foundation

/// What one account uses on its panel and what its package allows, as the panel reports it.
public struct PanelUsage: Sendable, Equatable {
    /// The panel user (WHM, DirectAdmin); `nil` where the panel reports by domain (Plesk).
    public var username: String?
    /// The account's main domain (Plesk's webspace name); `nil` where the panel reports by user.
    public var domain: String?
    public var diskMB: Int
    /// `nil` when unlimited.
    public var diskLimitMB: Int?
    /// This month's traffic.
    public var bandwidthMB: Int
    /// `nil` when unlimited.
    public var bandwidthLimitMB: Int?

    public init(
        username: String?, domain: String?, diskMB: Int, diskLimitMB: Int?, bandwidthMB: Int, bandwidthLimitMB: Int?
    ) {
        self.username = username
        self.domain = domain
        self.diskMB = diskMB
        self.diskLimitMB = diskLimitMB
        self.bandwidthMB = bandwidthMB
        self.bandwidthLimitMB = bandwidthLimitMB
    }
}

/// Reads the sizes panels report, whatever their spelling, without trapping on any input.
enum PanelSize {
    static let megabyte = 1_048_576.0
    /// The most megabytes kept (an exabyte): anything above is clamped.
    static let ceiling = 1_099_511_627_776.0

    /// Megabytes from a number of `unit` bytes (`"1024"`, `1024`, `12.5`), or a size with its
    /// suffix (`"512M"`, `"2G"`), rounded up; `nil` for what is not a size, "unlimited" among them.
    static func megabytes(_ value: Any?, unit: Double = megabyte) -> Int? {
        var scale = unit
        let number: Double?
        switch value {
        case let int as Int: number = Double(int)
        case let double as Double: number = double
        case let text as String:
            var digits = text.trimmingCharacters(in: .whitespaces)
            if let last = digits.last,
                let factor = ["K": 1.0 / 1024, "M": 1, "G": 1024, "T": 1_048_576][
                    String(last).uppercased()]
            {
                digits.removeLast()
                scale = factor * megabyte
            }
            number = Double(digits)
        default: number = nil
        }
        guard let number, number.isFinite, number >= 0 else { return nil }
        return Int(min((number * scale / megabyte).rounded(.up), ceiling))
    }

    /// A limit: `nil` (unlimited) for "unlimited", 0 or a negative number, as panels spell it.
    static func limit(_ value: Any?, unit: Double = megabyte) -> Int? {
        guard let megabytes = megabytes(value, unit: unit), megabytes > 0 else { return nil }
        return megabytes
    }
}
