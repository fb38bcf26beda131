import Foundation

/// Control messages of the delivery protocol itself (docs/messaging.md, "Acknowledgements"
/// and "Sequences and replay"). They are not written to an outbox: each is re-sent or
/// re-requested by the mechanism that needs it.
public enum BusControl {
    /// The receiver committed (or had already committed) these commands.
    public struct Acknowledge: BusMessage {
        public static let wireName = "bus.ack"
        public var messageIDs: [UUID]

        public init(messageIDs: [UUID]) { self.messageIDs = messageIDs }
        enum CodingKeys: String, CodingKey { case messageIDs = "message_ids" }
    }

    /// A subscriber asks a publisher to re-send its events from `fromSequence` on.
    public struct Replay: BusMessage {
        public static let wireName = "bus.replay"
        /// The queue the events are to be pushed to.
        public var subscriber: String
        public var fromSequence: Int64
        public var limit: Int

        public init(subscriber: String, fromSequence: Int64, limit: Int) {
            self.subscriber = subscriber
            self.fromSequence = fromSequence
            self.limit = limit
        }
        enum CodingKeys: String, CodingKey {
            case subscriber, limit
            case fromSequence = "from_sequence"
        }
    }

    /// Published every few seconds: the range of sequences the publisher can still replay.
    public struct Heartbeat: BusMessage {
        public static let wireName = "bus.heartbeat"
        /// The oldest sequence still in the outbox (0 when none was ever published).
        public var firstSequence: Int64
        /// The newest sequence published.
        public var lastSequence: Int64

        public init(firstSequence: Int64, lastSequence: Int64) {
            self.firstSequence = firstSequence
            self.lastSequence = lastSequence
        }
        enum CodingKeys: String, CodingKey {
            case firstSequence = "first_sequence"
            case lastSequence = "last_sequence"
        }
    }
}
