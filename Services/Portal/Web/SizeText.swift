import Foundation

/// Sizes as pages show them.
enum SizeText {
    /// "820 MB", "1.5 GB".
    static func megabytes(_ value: Int) -> String {
        value < 1_024 ? "\(value) MB" : String(format: "%.1f GB", Double(value) / 1_024)
    }
}
