/// What one account may use, set over its package's. `nil` leaves the package's; 0 is unlimited.
public struct PanelLimits: Sendable, Equatable {
    public var diskMB: Int?
    /// A month's traffic.
    public var bandwidthMB: Int?
    public var mailboxes: Int?
    public var databases: Int?

    public init(diskMB: Int? = nil, bandwidthMB: Int? = nil, mailboxes: Int? = nil, databases: Int? = nil) {
        self.diskMB = diskMB
        self.bandwidthMB = bandwidthMB
        self.mailboxes = mailboxes
        self.databases = databases
    }

    /// Each limit set, as `(name, value)` with `unlimited` for 0, in the panel's own names.
    func fields(
        disk: String, bandwidth: String, mailboxes mailboxName: String, databases databaseName: String,
        unlimited: String = "unlimited", scale: (Int) -> String = { "\($0)" }
    ) -> [String: String] {
        var fields: [String: String] = [:]
        for (name, value, sized) in [
            (disk, diskMB, true), (bandwidth, bandwidthMB, true), (mailboxName, mailboxes, false),
            (databaseName, databases, false),
        ] {
            guard let value else { continue }
            fields[name] = value <= 0 ? unlimited : sized ? scale(value) : "\(value)"
        }
        return fields
    }
}
