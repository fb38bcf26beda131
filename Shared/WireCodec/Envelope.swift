import Foundation

/// The header every bus message carries, as documented in docs/messaging.md.
///
/// On the wire it is the JSON object of the envelope without decoding `payload`, which is
/// decoded separately into the type `type` names, so one parse serves routing.
public struct EnvelopeHeader: Codable, Sendable, Equatable {
    /// Unique per message; the receiver's inbox key.
    public var id: UUID
    /// The stable wire name, for example `account.provisioned`.
    public var type: String
    /// The payload schema's version for `type`.
    public var version: Int
    /// The service that wrote the message.
    public var source: String
    /// The publisher's sequence number; present on events only.
    public var sequence: Int64?
    /// The order (or other root) that started the chain.
    public var correlationID: UUID?
    /// The message whose handling produced this one.
    public var causationID: UUID?
    /// When the state change happened, in UTC.
    public var occurredAt: Date

    public init(
        id: UUID = UUID(), type: String, version: Int, source: String, sequence: Int64? = nil,
        correlationID: UUID? = nil, causationID: UUID? = nil, occurredAt: Date = Date()
    ) {
        self.id = id
        self.type = type
        self.version = version
        self.source = source
        self.sequence = sequence
        self.correlationID = correlationID
        self.causationID = causationID
        self.occurredAt = occurredAt
    }

    enum CodingKeys: String, CodingKey {
        case id, type, version, source, sequence
        case correlationID = "correlation_id"
        case causationID = "causation_id"
        case occurredAt = "occurred_at"
    }

    /// Whether this is an event (sequenced, published) rather than a command or control message.
    public var isEvent: Bool { sequence != nil }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func uuid(_ key: CodingKeys) throws -> UUID? {
            guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let uuid = WireText.uuid(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "not a UUID: \(text)")
            }
            return uuid
        }
        guard let id = try uuid(.id) else {
            throw DecodingError.keyNotFound(
                CodingKeys.id, .init(codingPath: decoder.codingPath, debugDescription: "no id"))
        }
        self.id = id
        type = try container.decode(String.self, forKey: .type)
        version = try container.decode(Int.self, forKey: .version)
        source = try container.decode(String.self, forKey: .source)
        sequence = try container.decodeIfPresent(Int64.self, forKey: .sequence)
        correlationID = try uuid(.correlationID)
        causationID = try uuid(.causationID)
        let time = try container.decode(String.self, forKey: .occurredAt)
        guard let date = WireText.date(time) else {
            throw DecodingError.dataCorruptedError(
                forKey: .occurredAt, in: container, debugDescription: "not an ISO 8601 time: \(time)")
        }
        occurredAt = date
    }

    /// The whole envelope's JSON with `payload` (JSON already) spliced in: the fields in the
    /// order JSONEncoder's sorted keys would give, written by hand because every message
    /// sent pays for it. Splicing serves the outbox, which stores payloads as JSON text and
    /// may send one whose type this code does not know (a replay).
    public func envelopeJSON(payload: some Collection<UInt8>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(260 + payload.count)
        func key(_ name: StaticString) {
            bytes.append(bytes.count == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            bytes.append(contentsOf: #"":"#.utf8)
        }
        func quoted(_ write: () -> Void) {
            bytes.append(UInt8(ascii: "\""))
            write()
            bytes.append(UInt8(ascii: "\""))
        }
        if let causationID {
            key("causation_id")
            quoted { WireText.append(causationID, to: &bytes) }
        }
        if let correlationID {
            key("correlation_id")
            quoted { WireText.append(correlationID, to: &bytes) }
        }
        key("id")
        quoted { WireText.append(id, to: &bytes) }
        key("occurred_at")
        quoted { WireText.append(occurredAt, to: &bytes) }
        if let sequence {
            key("sequence")
            bytes.append(contentsOf: String(sequence).utf8)
        }
        key("source")
        WireText.appendJSONString(source, to: &bytes)
        key("type")
        WireText.appendJSONString(type, to: &bytes)
        key("version")
        bytes.append(contentsOf: String(version).utf8)
        key("payload")
        bytes.append(contentsOf: payload)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}

/// An envelope whose payload is decoded as `Payload`.
public struct Envelope<Payload: Codable & Sendable>: Codable, Sendable {
    public var header: EnvelopeHeader
    public var payload: Payload

    public init(header: EnvelopeHeader, payload: Payload) {
        self.header = header
        self.payload = payload
    }

    enum CodingKeys: String, CodingKey { case payload }

    public init(from decoder: any Decoder) throws {
        header = try EnvelopeHeader(from: decoder)
        payload = try decoder.container(keyedBy: CodingKeys.self).decode(Payload.self, forKey: .payload)
    }

    public func encode(to encoder: any Encoder) throws {
        try header.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(payload, forKey: .payload)
    }
}

/// Just an envelope's payload: for a receiver that has read the header already, so the
/// header's ids and time are not parsed a second time.
public struct EnvelopePayload<Payload: Decodable & Sendable>: Decodable, Sendable {
    public var payload: Payload
}
