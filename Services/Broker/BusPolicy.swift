import Contracts
import Foundation
import WireCodec

/// Who may do what on the bus, by authenticated identity.
///
/// Identities are CURVE public keys on an allow-list; the broker's ZAP handler admits only
/// those, names each connection after its key's service, and every message it forwards is
/// checked against that name: events only under the sender's own topics and with itself
/// as `source`, commands only to the queues it may command, control messages (acknowledgements,
/// replay requests, replayed events) only in its own name, and a queue only pulled by its owner.
struct BusPolicy: Sendable {
    /// Service names by their Z85 public key.
    let identities: [String: String]
    /// The queues each service may send commands to; `nil` lets every known service command
    /// every queue (control messages are checked either way).
    let commandRoutes: [String: Set<String>]?

    /// Why a message or a connection was refused; a metric label, so a short fixed set.
    enum Refusal: String, CaseIterable {
        case unknownKey = "unknown_key"
        case foreignQueue = "foreign_queue"
        case foreignTopic = "foreign_topic"
        case forgedSource = "forged_source"
        case forgedSubscriber = "forged_subscriber"
        case commandNotAllowed = "command_not_allowed"
        case unreadable
    }

    /// The ZAP domain of the socket a queue is pulled from: only its owner is admitted there.
    static func queueDomain(_ queue: String) -> String { "queue:\(queue)" }

    /// Admits a CURVE client to a socket of `domain`: its service name, or why not.
    func admit(publicKey: String, domain: String) -> Result<String, RefusalError> {
        guard let name = identities[publicKey] else { return .failure(.init(.unknownKey)) }
        if domain.hasPrefix("queue:"), domain.dropFirst("queue:".count) != name {
            return .failure(.init(.foreignQueue))
        }
        return .success(name)
    }

    /// Checks an event published by `sender` under `topic`.
    ///
    /// An envelope nobody can read passes: its receivers read it with the same decoders, fail
    /// the same way and dead-letter it, where an operator sees it; it can claim nothing.
    func check(event envelope: [UInt8], topic: String, from sender: String) -> Refusal? {
        guard topic.hasPrefix(sender + "/") else { return .foreignTopic }
        guard let header = Self.header(envelope) else { return nil }
        return header.source == sender ? nil : .forgedSource
    }

    /// Checks a message `sender` pushes to `queue`: a command, an acknowledgement, a replay
    /// request, or one of its own events replayed.
    func check(command envelope: [UInt8], to queue: String, from sender: String) -> Refusal? {
        guard let header = Self.header(envelope) else { return nil }
        guard header.source == sender else { return .forgedSource }
        switch header.type {
        case BusControl.Acknowledge.wireName:
            return nil
        case BusControl.Replay.wireName:
            guard let replay = Self.payload(BusControl.Replay.self, of: envelope) else { return .unreadable }
            return replay.subscriber == sender ? nil : .forgedSubscriber
        default:
            // A replayed event is the sender's own (its source was checked above).
            if header.isEvent { return nil }
            guard let routes = commandRoutes else { return nil }
            return routes[sender, default: []].contains(queue) ? nil : .commandNotAllowed
        }
    }

    private static func header(_ envelope: [UInt8]) -> EnvelopeHeader? {
        EnvelopeScan.read(envelope)?.header ?? (try? WireCoding.decode(EnvelopeHeader.self, from: envelope))
    }

    private static func payload<P: BusMessage>(_ type: P.Type, of envelope: [UInt8]) -> P? {
        try? WireCoding.decode(Envelope<P>.self, from: envelope).payload
    }

    struct RefusalError: Error {
        let refusal: Refusal
        init(_ refusal: Refusal) { self.refusal = refusal }
    }
}
