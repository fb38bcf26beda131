/// How a backup or restore the panel runs in the background stands.
public enum PanelJobState: Sendable, Equatable {
    case running
    /// Done; a backup names its archive, a restore has none.
    case completed(PanelArchive?)
    /// Ended without a result, with the panel's reason.
    case failed(String)
}

/// One account's backup archive where the panel keeps it.
public struct PanelArchive: Sendable, Equatable {
    /// Enough for the same panel to find it again (a path or a file name).
    public var location: String
    /// `nil` where the panel does not say.
    public var sizeMB: Int?

    public init(location: String, sizeMB: Int?) {
        self.location = location
        self.sizeMB = sizeMB
    }
}

/// The account a backup or restore is of.
public struct PanelBackupTarget: Sendable {
    public var username: String
    public var domain: String
    /// Hostwire's name for the backup: a prefix or directory where the panel takes one, so
    /// each backup has an archive of its own.
    public var label: String

    public init(username: String, domain: String, label: String) {
        self.username = username
        self.domain = domain
        self.label = label
    }
}
