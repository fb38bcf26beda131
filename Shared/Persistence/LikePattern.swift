import Foundation

/// `LIKE` patterns from what people type: their `%`, `_` and `\` match themselves.
public enum LikePattern {
    /// Matches any text that contains `text`.
    public static func containing(_ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        return "%\(escaped)%"
    }
}
