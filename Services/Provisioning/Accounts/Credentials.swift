import Foundation

/// Control-panel usernames and passwords by cPanel's rules, which the other panels accept too.
enum Credentials {
    /// A username from the domain: lower-case letters and digits, not starting with a digit
    /// or "test", at most 8 characters so the first 8 (cPanel's unique part) are all of it.
    static func username(for domain: String) -> String {
        var base = String(domain.split(separator: ".").first ?? "").lowercased().filter {
            $0.isASCII && ($0.isLetter || $0.isNumber)
        }
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

    /// Why a password a customer chose would be refused, or `nil` when every panel takes it:
    /// 12 to 64 printable ASCII characters with a lower-case letter, an upper-case letter and
    /// a digit, not containing the username (cPanel's strength check and Plesk's and
    /// DirectAdmin's rules all pass such a password).
    static func problem(with password: String, username: String) -> String? {
        guard (12...64).contains(password.count) else { return "use 12 to 64 characters" }
        guard password.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            return "use letters, digits and the symbols on a keyboard, without spaces"
        }
        guard password.contains(where: \.isLowercase), password.contains(where: \.isUppercase),
            password.contains(where: \.isNumber)
        else {
            return "mix lower-case and upper-case letters and digits"
        }
        guard !password.lowercased().contains(username.lowercased()) else { return "do not include the username" }
        return nil
    }
}
