import Foundation

/// An account's last measured day as provisioning's customer API gives it (`usage`), for
/// the portal's services page: disk and this month's traffic in MB; a `nil` limit is unlimited.
public struct AccountUsageDay: Codable, Sendable {
    public let day: String
    public let diskMB: Int
    public let diskLimitMB: Int?
    public let bandwidthMB: Int
    public let bandwidthLimitMB: Int?

    public init(day: String, diskMB: Int, diskLimitMB: Int?, bandwidthMB: Int, bandwidthLimitMB: Int?) {
        self.day = day
        self.diskMB = diskMB
        self.diskLimitMB = diskLimitMB
        self.bandwidthMB = bandwidthMB
        self.bandwidthLimitMB = bandwidthLimitMB
    }

    enum CodingKeys: String, CodingKey {
        case day
        case diskMB = "disk_mb"
        case diskLimitMB = "disk_limit_mb"
        case bandwidthMB = "bandwidth_mb"
        case bandwidthLimitMB = "bandwidth_limit_mb"
    }
}

/// The backups kept of an account as provisioning's customer API gives them (`backups`).
public struct AccountBackupSummary: Codable, Sendable {
    public let kept: Int
    /// When the newest was made; `nil` before the first.
    public let latestAt: Date?

    public init(kept: Int, latestAt: Date?) {
        self.kept = kept
        self.latestAt = latestAt
    }

    enum CodingKeys: String, CodingKey {
        case kept
        case latestAt = "latest_at"
    }
}
