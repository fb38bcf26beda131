import Foundation

/// `application/x-www-form-urlencoded`, as cPanel, DirectAdmin and Stripe read and write it.
public enum FormEncoding {
    private static let unreserved = CharacterSet(charactersIn:
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Encodes pairs in order; names may repeat (`list[]=a&list[]=b`).
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    public static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// Decodes a body or query into pairs, in order; `+` is a space.
    public static func decode(_ text: String) -> [(String, String)] {
        text.split(separator: "&").compactMap { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func unescape(_ value: Substring) -> String {
                value.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(value)
            }
            guard let name = pieces.first, !name.isEmpty else { return nil }
            return (unescape(name), pieces.count > 1 ? unescape(pieces[1]) : "")
        }
    }
}
