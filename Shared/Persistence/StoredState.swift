import NIOCore
import PostgresNIO

/// A state kept in a text column (an order's, an invoice's status): read straight from the
/// column and bound as its raw value. A value this build does not know fails the read.
///
/// PostgresNIO gives both `Codable` types (as JSON) and `RawRepresentable` ones (as the raw
/// value) a default coding, and a type that is both is ambiguous; states are both (they are
/// also in API bodies), so this protocol picks the raw value.
public protocol StoredState: RawRepresentable, Codable, PostgresCodable, Sendable where RawValue == String {}

extension StoredState {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) throws {
        rawValue.encode(into: &byteBuffer, context: context)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard let raw = try? String(from: &buffer, type: type, format: format, context: context),
            let value = Self(rawValue: raw)
        else { throw PostgresDecodingError.Code.failure }
        self = value
    }
}
