import Contracts
import Foundation
import WireCodec

/// A bus message as frames: `[topic or queue][envelope JSON]`.
public struct WireMessage: Sendable {
    public var address: String
    public var envelope: [UInt8]

    public init(address: String, envelope: [UInt8]) {
        self.address = address
        self.envelope = envelope
    }

    public var frames: [[UInt8]] { [Array(address.utf8), envelope] }

    /// Builds a whole wire message for a typed payload.
    public static func make<P: BusMessage>(_ payload: P, to address: String, header: EnvelopeHeader) throws
        -> WireMessage
    {
        WireMessage(address: address, envelope: header.envelopeJSON(payload: try WireCoding.encode(payload)))
    }
}

/// A received message whose frames and header have been checked.
public struct ReceivedMessage: Sendable {
    public let address: String
    public let header: EnvelopeHeader
    public let body: [UInt8]
    /// Where the payload's JSON is in `body`, when the header was read by ``EnvelopeScan``.
    let payloadRange: Range<Int>?

    /// Why a message could not be read; it is dead-lettered with this reason.
    public struct Malformed: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Parses `frames`, throwing ``Malformed`` for anything but two frames with a valid envelope.
    public init(frames: [[UInt8]]) throws(Malformed) {
        guard frames.count == 2 else { throw Malformed(description: "expected 2 frames, got \(frames.count)") }
        guard let address = String(validating: frames[0], as: UTF8.self) else {
            throw Malformed(description: "address frame is not UTF-8")
        }
        if let scanned = EnvelopeScan.read(frames[1]) {
            (header, payloadRange) = scanned
        } else {
            do {
                header = try WireCoding.decode(EnvelopeHeader.self, from: frames[1])
            } catch {
                throw Malformed(description: "envelope does not decode: \(error)")
            }
            payloadRange = nil
        }
        self.address = address
        body = frames[1]
    }

    /// The payload decoded as `P`.
    public func payload<P: BusMessage>(as type: P.Type) throws -> P {
        if let payloadRange { return try WireCoding.decode(P.self, from: body[payloadRange]) }
        return try WireCoding.decode(EnvelopePayload<P>.self, from: body).payload
    }
}
