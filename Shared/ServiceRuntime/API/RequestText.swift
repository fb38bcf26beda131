import PostgresNIO

/// Text from a request that can reach a handler and Postgres: no NUL byte, valid UTF-8.
///
/// Postgres refuses NUL in `text`, so a `%00` in a query parameter used to end in a 500.
enum RequestText {
    /// Whether `raw` (a path or query as sent, percent-escapes and all) decodes to valid
    /// UTF-8 without NUL. A `%` not followed by two hex digits is kept as it is, as
    /// Hummingbird's own decoding does.
    static func isClean(_ raw: some StringProtocol) -> Bool {
        let input = Array(raw.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
               let high = hex(input[index + 1]), let low = hex(input[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return !bytes.contains(0) && String(validating: bytes, as: UTF8.self) != nil
    }

    /// Whether Postgres refused a value's characters (NUL, or not encodable in the database).
    static func rejectedByPostgres(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "22021" || state == "22P05"
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
