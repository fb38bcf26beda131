import Contracts
import Delivery
import Foundation
import WireCodec

/// What reading and writing envelopes costs one core: every message a service sends is
/// written once (header, spliced payload) and read once by each receiver (header, then its
/// typed payload).
enum EnvelopeCodec {
    /// Writes `count` envelopes, then reads each; returns the rate of each half in messages/s.
    static func run(_ count: Int) throws -> (written: Double, read: Double) {
        let payload = ProvisionAccount(
            orderID: UUID(), customerID: UUID(), plan: "starter", serverGroup: "eu",
            domain: "example.test", contactEmail: "ada@example.test", customerName: "Ada")
        let start = ContinuousClock.now
        var frames: [[[UInt8]]] = []
        frames.reserveCapacity(count)
        for sequence in 0..<count {
            let header = EnvelopeHeader(
                type: ProvisionAccount.wireName, version: 1, source: "checkout",
                sequence: Int64(sequence), correlationID: payload.orderID, causationID: UUID())
            frames.append(try WireMessage.make(payload, to: ProvisionAccount.queue, header: header).frames)
        }
        let written = ContinuousClock.now
        var domains = 0
        for message in frames {
            domains += try ReceivedMessage(frames: message).payload(as: ProvisionAccount.self).domain.count
        }
        precondition(domains == count * payload.domain.count)
        let read = ContinuousClock.now
        return (Double(count) / (written - start).seconds, Double(count) / (read - written).seconds)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
