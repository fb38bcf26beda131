/// Text from a request that can reach a handler and Postgres: no NUL byte, valid UTF-8.
///
/// Postgres refuses NUL in `text`: a `%00` in a query parameter must be refused before it gets there.
public enum RequestText {
    /// Whether `raw` (a path or query as sent, percent-escapes and all) decodes to valid
    /// UTF-8 without NUL. A `%` not followed by two hex digits is kept as it is, as
    /// Hummingbird's own decoding does.
    public static func isClean(_ raw: some StringProtocol) -> Bool {
        let input = Array(raw.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
                let high = hex(input[index + 1]), let low = hex(input[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return !bytes.contains(0) && String(validating: bytes, as: UTF8.self) != nil
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        Character(Unicode.Scalar(byte)).hexDigitValue.map(UInt8.init)
    }
}

/// Paging numbers from `?page=&per_page=` as sent (1-based, at most 500 a page): a missing
/// one takes its default, anything but a whole number in range is refused, so the offset
/// always fits.
public struct PageNumbers: Sendable, Equatable {
    public let page: Int
    public let perPage: Int
    /// The deepest page served: its offset stays far inside `Int` and Postgres's `bigint`.
    public static let maximumPage = 1_000_000
    public var offset: Int { (page - 1) * perPage }

    public init(page: String?, perPage: String?) throws(ValidationError) {
        var parsed = 1
        if let page {
            guard let number = Int(page), (1...Self.maximumPage).contains(number) else {
                throw ValidationError("page", "page is a whole number from 1 to \(Self.maximumPage)")
            }
            parsed = number
        }
        self.page = parsed
        parsed = 50
        if let perPage {
            guard let number = Int(perPage), (1...500).contains(number) else {
                throw ValidationError("per_page", "per_page is a whole number from 1 to 500")
            }
            parsed = number
        }
        self.perPage = parsed
    }
}
