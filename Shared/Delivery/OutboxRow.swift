import Contracts
import Foundation
import PostgresNIO
import WireCodec

/// An outbox row as the relay and the replay server read it.
package struct OutboxRow: Sendable {
    package static let columns =
        "o.id, o.destination, o.type, o.version, o.correlation_id, o.causation_id, o.occurred_at, o.payload, o.sequence"

    var id: UUID
    var destination: String
    var type: String
    var version: Int
    var correlationID: UUID?
    var causationID: UUID?
    var occurredAt: Date
    var payload: String
    var sequence: Int64?

    package static func decode(_ rows: [PostgresRow]) throws -> [OutboxRow] {
        try rows.map { row in
            let (id, destination, type, version, correlation, causation, occurred, payload, sequence) = try row.decode(
                (UUID, String, String, Int, UUID?, UUID?, Date, String, Int64?).self)
            return OutboxRow(
                id: id, destination: destination, type: type, version: version,
                correlationID: correlation, causationID: causation, occurredAt: occurred,
                payload: payload, sequence: sequence)
        }
    }

    /// The message as it goes on the wire, addressed to `address` (default: its destination).
    package func wireMessage(source: String, address: String? = nil) -> WireMessage {
        let header = EnvelopeHeader(
            id: id, type: type, version: version, source: source, sequence: sequence,
            correlationID: correlationID, causationID: causationID, occurredAt: occurredAt)
        return WireMessage(
            address: address ?? destination,
            envelope: header.envelopeJSON(payload: payload.utf8))
    }
}
