/// A payload type that travels on the bus under a stable wire name.
public protocol BusMessage: Codable, Sendable {
    /// The `type` field of the envelope, for example `provision-account`. Never change it.
    static var wireName: String { get }
    /// The payload schema version; bump it for an incompatible change.
    static var version: Int { get }
}

extension BusMessage {
    public static var version: Int { 1 }
}

/// A request for one service to do something, sent to that service's queue.
///
/// Commands are named imperatively (`ProvisionAccount`) and acknowledged by the receiver.
public protocol Command: BusMessage {
    /// The queue (the consuming service's name) the command is sent to.
    static var queue: String { get }
}

/// A fact a service announces to whoever subscribes, named in the past tense.
public protocol Event: BusMessage {
    /// The one service that publishes this event; subscribers follow its sequence.
    static var publisher: String { get }
}

extension Event {
    /// The topic frame of this event: `<publisher>/<wire name>`.
    public static var topic: String { "\(publisher)/\(wireName)" }
}
