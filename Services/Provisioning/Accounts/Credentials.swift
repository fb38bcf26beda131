import Foundation

/// Control-panel usernames and passwords by cPanel's rules, which the other panels accept too.
enum Credentials {
    /// A username from the domain: lower-case letters and digits, not starting with a digit
    /// or "test", at most 8 characters so the first 8 (cPanel's unique part) are all of it.
    static func username(for domain: String) -> String {
        var base = String(domain.split(separator: ".").first ?? "").lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
        while base.first?.isNumber == true { base.removeFirst() }
        if base.hasPrefix("test") { base = "u" + base }
        if base.isEmpty { base = "user" }
        return String(base.prefix(8))
    }

    /// The `attempt`-th alternative to a taken `base`: its first 6 characters and a number.
    static func alternative(to base: String, attempt: Int) -> String {
        // Two digits by hand: String(format:) for the 99 candidates was most of a placement's own CPU.
        let suffix = attempt % 100 < 10 ? "0\(attempt % 100)" : "\(attempt % 100)"
        if attempt >= 100 {
            let letters = "abcdefghijklmnopqrstuvwxyz"
            return String((0..<6).map { _ in letters.randomElement()! }) + suffix
        }
        return String(base.prefix(6)) + suffix
    }

    /// A 20-character password with upper and lower case, digits and symbols, from the
    /// system's cryptographic generator.
    static func password() -> String {
        let classes = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "-_.!@%+="]
        var generator = SystemRandomNumberGenerator()
        var characters = classes.map { $0.randomElement(using: &generator)! }
        let all = classes.joined()
        while characters.count < 20 { characters.append(all.randomElement(using: &generator)!) }
        return String(characters.shuffled(using: &generator))
    }
}
