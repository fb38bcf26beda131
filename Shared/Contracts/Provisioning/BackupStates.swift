import Foundation

/// Where a backup is in its life.
public enum BackupStatus: String, Codable, Sendable, CaseIterable {
    /// Waiting for a run (first, after a failed run, or for a free slot on its server).
    case queued
    case running
    case completed
    /// Given up after its attempts.
    case failed
    /// Past its retention and deleted on the panel.
    case deleted
}

/// Where a restore is: its steps in order, then how it ended.
public enum RestoreStep: String, Codable, Sendable, CaseIterable {
    case safetyBackup = "safety-backup"
    case suspend, restore, unsuspend, done, failed

    /// Whether the restore is still under way.
    public var isOpen: Bool { self != .done && self != .failed }
}
