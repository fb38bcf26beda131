import Contracts
import Delivery
import WireCodec

/// The commands and events a service handles, by wire name.
public struct MessageHandlers: Sendable {
    typealias Handler = @Sendable (ReceivedMessage, Transaction) async throws -> Void
    typealias BatchHandler = @Sendable ([ReceivedMessage], Transaction) async throws -> Void

    private(set) var commands: [String: Handler] = [:]
    /// Commands handled set-wise: all new ones of a type in a batch, in one call.
    private(set) var commandBatches: [String: BatchHandler] = [:]
    private(set) var events: [String: Handler] = [:]
    /// Events handled set-wise: each run of consecutive events of a type, in one call.
    private(set) var eventBatches: [String: BatchHandler] = [:]
    /// Publishers whose event streams the service follows.
    public private(set) var publishers: Set<String> = []

    public init() {}

    /// Handles command `C`; `body` runs inside the transaction that records it as handled.
    public mutating func handle<C: Command>(
        _ type: C.Type, _ body: @escaping @Sendable (C, Transaction) async throws -> Void
    ) {
        commands[C.wireName] = { message, context in
            try await body(try Self.decode(message, as: C.self), context)
        }
    }

    /// Handles command `C` set-wise: `body` gets every new `C` of a received batch at once,
    /// inside the transaction that records them, so it can write their effects in one
    /// statement. The transaction's `message` is the first command's.
    public mutating func handleInBatches<C: Command>(
        _ type: C.Type, _ body: @escaping @Sendable ([C], Transaction) async throws -> Void
    ) {
        commands[C.wireName] = { message, context in
            try await body([try Self.decode(message, as: C.self)], context)
        }
        commandBatches[C.wireName] = { messages, context in
            try await body(try messages.map { try Self.decode($0, as: C.self) }, context)
        }
    }

    /// Handles event `E`; `body` runs inside the transaction that advances the cursor. Each
    /// part of a service may handle the same event: the handlers run in the order registered.
    public mutating func on<E: Event>(_ type: E.Type, _ body: @escaping @Sendable (E, Transaction) async throws -> Void)
    {
        precondition(eventBatches[E.wireName] == nil, "\(E.wireName) is handled in batches: one handler only")
        publishers.insert(E.publisher)
        let earlier = events[E.wireName]
        events[E.wireName] = { message, context in
            try await earlier?(message, context)
            try await body(try Self.decode(message, as: E.self), context)
        }
    }

    /// Handles event `E` set-wise: `body` gets each run of consecutive `E`s of a received
    /// batch at once, in publisher order, inside the transaction that advances the cursor.
    public mutating func onInBatches<E: Event>(
        _ type: E.Type, _ body: @escaping @Sendable ([E], Transaction) async throws -> Void
    ) {
        precondition(events[E.wireName] == nil, "\(E.wireName) is handled in batches: one handler only")
        on(E.self) { event, context in try await body([event], context) }
        eventBatches[E.wireName] = { messages, context in
            try await body(try messages.map { try Self.decode($0, as: E.self) }, context)
        }
    }

    static func decode<P: BusMessage>(_ message: ReceivedMessage, as type: P.Type) throws -> P {
        // A version from the future (or none) has a payload this build cannot know the meaning of.
        guard (1...P.version).contains(message.header.version) else {
            throw UnreadableMessage(
                reason: "\(P.wireName) version \(message.header.version) is not known here (1 to \(P.version))")
        }
        do {
            return try message.payload(as: P.self)
        } catch {
            throw UnreadableMessage(reason: "payload of \(P.wireName) does not decode: \(error)")
        }
    }
}

/// A message that can never be handled, however often it is retried: it is dead-lettered.
public struct UnreadableMessage: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}
