/// The broker's four addresses, as every service connects to them.
public struct BusEndpoints: Sendable, Equatable {
    /// Where publishers connect their PUB socket (the broker's XSUB).
    public var publish: String
    /// Where subscribers connect their SUB socket (the broker's XPUB).
    public var subscribe: String
    /// Where senders connect their PUSH socket for commands (the broker's PULL).
    public var commands: String
    /// Where a service's PULL socket connects for its own queue.
    public var queue: String

    public init(publish: String, subscribe: String, commands: String, queue: String) {
        self.publish = publish
        self.subscribe = subscribe
        self.commands = commands
        self.queue = queue
    }
}
