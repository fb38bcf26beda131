import Foundation

/// What an account used on its panel on a day, and what its package allows.
public struct AccountUsageReported: Event {
    public static let wireName = "account.usage-reported"
    public static let publisher = "provisioning"
    public var accountID: UUID
    /// The day measured, `YYYY-MM-DD` (UTC).
    public var day: String
    public var diskMB: Int
    /// `nil` when unlimited.
    public var diskLimitMB: Int?
    /// The month's traffic so far.
    public var bandwidthMB: Int
    /// `nil` when unlimited.
    public var bandwidthLimitMB: Int?

    public init(accountID: UUID, day: String, diskMB: Int, diskLimitMB: Int?, bandwidthMB: Int, bandwidthLimitMB: Int?)
    {
        self.accountID = accountID
        self.day = day
        self.diskMB = diskMB
        self.diskLimitMB = diskLimitMB
        self.bandwidthMB = bandwidthMB
        self.bandwidthLimitMB = bandwidthLimitMB
    }

    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case day
        case diskMB = "disk_mb"
        case diskLimitMB = "disk_limit_mb"
        case bandwidthMB = "bandwidth_mb"
        case bandwidthLimitMB = "bandwidth_limit_mb"
    }
}

/// An account reached 80% or 100% of a limit: published once per account, resource,
/// threshold and month, so its owner is told once.
public struct AccountUsageWarning: Event {
    public static let wireName = "account.usage-warning"
    public static let publisher = "provisioning"

    /// What ran short.
    public enum Resource: String, Codable, Sendable {
        case disk, bandwidth
    }

    public var accountID: UUID
    public var domain: String
    public var resource: Resource
    /// 80 or 100.
    public var threshold: Int
    public var usedMB: Int
    public var limitMB: Int
    /// The month it counts for, `YYYY-MM`.
    public var period: String

    public init(
        accountID: UUID, domain: String, resource: Resource, threshold: Int, usedMB: Int, limitMB: Int, period: String
    ) {
        self.accountID = accountID
        self.domain = domain
        self.resource = resource
        self.threshold = threshold
        self.usedMB = usedMB
        self.limitMB = limitMB
        self.period = period
    }

    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case domain, resource, threshold
        case usedMB = "used_mb"
        case limitMB = "limit_mb"
        case period
    }
}
