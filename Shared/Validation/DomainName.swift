import Foundation

/// A fully qualified domain name, lower-cased, with Unicode labels turned into `xn--` Punycode.
public struct DomainName: Sendable, Hashable, CustomStringConvertible {
    /// The ASCII (A-label) form, without a trailing dot.
    public let ascii: String

    public var description: String { ascii }

    /// Validates `text`: at least two labels of letters, digits and inner hyphens, each
    /// 1–63 octets, 253 in all, and a top-level label that is not all digits.
    public init(_ text: String) throws(ValidationError) {
        var name = text.trimmingCharacters(in: .whitespaces).lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty else { throw ValidationError("domain", "domain is empty") }
        var labels: [String] = []
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty else { throw ValidationError("domain", "\(text) has an empty label") }
            if label.unicodeScalars.allSatisfy(\.isASCII) {
                labels.append(String(label))
            } else {
                guard let encoded = Punycode.encode(String(label)) else {
                    throw ValidationError("domain", "\(text) cannot be encoded")
                }
                labels.append("xn--" + encoded)
            }
        }
        guard labels.count >= 2 else {
            throw ValidationError("domain", "\(text) needs at least two labels, as in example.com")
        }
        for label in labels {
            guard label.count <= 63 else {
                throw ValidationError("domain", "label \(label) is longer than 63 characters")
            }
            guard label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw ValidationError("domain", "label \(label) may hold only letters, digits and hyphens")
            }
            guard label.first != "-", label.last != "-" else {
                throw ValidationError("domain", "label \(label) may not start or end with a hyphen")
            }
        }
        guard !labels.last!.allSatisfy(\.isNumber) else {
            throw ValidationError("domain", "\(text) has a numeric top-level label")
        }
        ascii = labels.joined(separator: ".")
        guard ascii.count <= 253 else { throw ValidationError("domain", "\(text) is longer than 253 characters") }
    }
}

/// An email address with a plausible local part and a valid domain.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    public let address: String

    public var description: String { address }

    public init(_ text: String) throws(ValidationError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let at = trimmed.lastIndex(of: "@") else {
            throw ValidationError("email", "\(text) is not an email address")
        }
        let local = trimmed[..<at]
        guard !local.isEmpty, local.utf8.count <= 64,
            local.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "!#$%&'*+-/=?^_`{|}~.".contains($0)) }),
            local.first != ".", local.last != ".", !local.contains("..")
        else {
            throw ValidationError("email", "\(text) has an invalid local part")
        }
        let domain: DomainName
        do { domain = try DomainName(String(trimmed[trimmed.index(after: at)...])) } catch {
            throw ValidationError("email", "\(text) has an invalid domain: \(error.message)")
        }
        address = "\(local)@\(domain.ascii)"
    }
}

/// Why a value was refused, naming the field for the client.
public struct ValidationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let field: String
    public let message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { message }
}
