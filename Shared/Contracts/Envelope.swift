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
