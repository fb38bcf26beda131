import Foundation

/// Reads an envelope's header and finds its payload in one pass over the bytes.
///
/// Decoding the header with JSONDecoder and then the payload with another parses every
/// message twice; this walks the top-level object once, reads the header's members by
/// hand and leaves only the payload's bytes to JSONDecoder. It takes the plain forms
/// senders write (no escapes in keys or header strings); for anything else, or anything
/// malformed, it returns `nil` and the caller decodes with Foundation, which decides.
public enum EnvelopeScan {
    /// The header and the byte range of the payload's value (`nil` without a payload).
    public static func read(_ bytes: [UInt8]) -> (header: EnvelopeHeader, payload: Range<Int>?)? {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = Scanner(bytes: buffer)
            return scanner.envelope()
        }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func envelope() -> (header: EnvelopeHeader, payload: Range<Int>?)? {
            var id: UUID?
            var type: String?
            var version: Int?
            var source: String?
            var occurredAt: Date?
            var sequence: Int64?
            var correlationID: UUID?
            var causationID: UUID?
            var payload: Range<Int>?
            // Members seen, by bit: a repeated one is left to Foundation, which may pick the other
            // copy than "last wins" would (found by fuzzing; the two readers must never disagree).
            var seen: UInt16 = 0
            guard take(UInt8(ascii: "{")) else { return nil }
            if !take(UInt8(ascii: "}")) {
                repeat {
                    guard let key = string(), take(UInt8(ascii: ":")) else { return nil }
                    skipSpace()
                    let start = position
                    guard skipValue() else { return nil }
                    let value = start..<position
                    if let bit = Self.memberBits[key] {
                        guard seen & bit == 0 else { return nil }
                        seen |= bit
                    }
                    switch key {
                    case "payload": payload = value
                    case "id":
                        guard let text = text(value), let uuid = WireText.uuid(text) else { return nil }
                        id = uuid
                    case "type":
                        guard let text = text(value) else { return nil }
                        type = text
                    case "source":
                        guard let text = text(value) else { return nil }
                        source = text
                    case "version":
                        guard let number = integer(value) else { return nil }
                        version = Int(number)
                    case "occurred_at":
                        guard let text = text(value), let date = WireText.date(text) else { return nil }
                        occurredAt = date
                    case "sequence":
                        if !isNull(value) {
                            guard let number = integer(value) else { return nil }
                            sequence = number
                        }
                    case "correlation_id":
                        guard let uuid = optionalUUID(value) else { return nil }
                        correlationID = uuid
                    case "causation_id":
                        guard let uuid = optionalUUID(value) else { return nil }
                        causationID = uuid
                    default: break
                    }
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "}")) else { return nil }
            }
            skipSpace()
            guard position == bytes.count, let id, let type, let version, let source, let occurredAt else { return nil }
            return (
                EnvelopeHeader(
                    id: id, type: type, version: version, source: source, sequence: sequence,
                    correlationID: correlationID, causationID: causationID, occurredAt: occurredAt), payload
            )
        }

        // MARK: Values

        /// A string value without escapes, else `nil` (Foundation reads the rest).
        func text(_ range: Range<Int>) -> String? {
            guard range.count >= 2, bytes[range.lowerBound] == quote,
                !bytes[range].contains(backslash)
            else { return nil }
            return String(validating: bytes[(range.lowerBound + 1)..<(range.upperBound - 1)], as: UTF8.self)
        }

        func integer(_ range: Range<Int>) -> Int64? {
            guard !range.isEmpty, range.count <= 20 else { return nil }
            var value: Int64 = 0
            var start = range.lowerBound
            let negative = bytes[start] == UInt8(ascii: "-")
            if negative { start += 1 }
            guard start < range.upperBound else { return nil }
            // Accumulated negatively, so Int64.min itself fits; anything beyond is no integer here.
            for index in start..<range.upperBound {
                let digit = Int64(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
                let (next, overflowB) = shifted.subtractingReportingOverflow(digit)
                guard !overflowA, !overflowB else { return nil }
                value = next
            }
            if negative { return value }
            guard value != .min else { return nil }
            return -value
        }

        func isNull(_ range: Range<Int>) -> Bool { bytes[range].elementsEqual("null".utf8) }

        /// `.some(nil)` for JSON null, `.some(uuid)` for a UUID string, `nil` for anything else.
        func optionalUUID(_ range: Range<Int>) -> UUID?? {
            if isNull(range) { return .some(nil) }
            guard let text = text(range), let uuid = WireText.uuid(text) else { return nil }
            return .some(uuid)
        }

        // MARK: Grammar

        /// A key: a string without escapes.
        mutating func string() -> String? {
            skipSpace()
            let start = position
            guard skipString() else { return nil }
            return text(start..<position)
        }

        mutating func skipValue() -> Bool {
            guard position < bytes.count else { return false }
            switch bytes[position] {
            case quote: return skipString()
            case UInt8(ascii: "{"): return skipContainer(close: UInt8(ascii: "}"))
            case UInt8(ascii: "["): return skipContainer(close: UInt8(ascii: "]"))
            default: return skipScalar()
            }
        }

        /// A string, escapes and all; control characters are not allowed in JSON strings.
        mutating func skipString() -> Bool {
            guard position < bytes.count, bytes[position] == quote else { return false }
            position += 1
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                if byte == quote { return true }
                if byte < 0x20 { return false }
                if byte == backslash { position += 1 }
            }
            return false
        }

        /// An object or array, members and elements checked by the same rules.
        mutating func skipContainer(close: UInt8) -> Bool {
            let isObject = close == UInt8(ascii: "}")
            position += 1
            if take(close) { return true }
            repeat {
                if isObject {
                    skipSpace()
                    guard skipString(), take(UInt8(ascii: ":")) else { return false }
                }
                skipSpace()
                guard skipValue() else { return false }
            } while take(UInt8(ascii: ","))
            return take(close)
        }

        /// `true`, `false`, `null` or a number (its characters; JSONDecoder checks payload numbers).
        mutating func skipScalar() -> Bool {
            for literal in ["true", "false", "null"] where bytes[position...].starts(with: literal.utf8) {
                position += literal.utf8.count
                return true
            }
            let start = position
            while position < bytes.count, Self.numberCharacters.contains(bytes[position]) { position += 1 }
            return position > start
        }

        static let numberCharacters = Set("0123456789+-.eE".utf8)

        static let memberBits: [String: UInt16] = Dictionary(
            uniqueKeysWithValues: [
                "payload", "id", "type", "source", "version", "occurred_at", "sequence", "correlation_id",
                "causation_id",
            ].enumerated().map { ($1, UInt16(1) << $0) })

        /// Skips whitespace, then consumes `byte` if it is next.
        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        mutating func skipSpace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x0A, 0x0D, 0x09: position += 1
                default: return
                }
            }
        }

        var quote: UInt8 { UInt8(ascii: "\"") }
        var backslash: UInt8 { UInt8(ascii: "\\") }
    }
}
