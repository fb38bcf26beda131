import Contracts
import Delivery
import Foundation
import Logging
import Persistence
import PostgresNIO
import WireCodec

/// Puts a dead letter back to work, once: a received message is handled again by the
/// service's own handler, a command this service could not get acknowledged is sent again.
///
/// Either happens in one transaction with marking the letter replayed, so a replay that
/// fails again changes nothing, and a letter is never replayed twice.
public struct DeadLetterReplayer: Sendable {
    let store: ServiceStore
    let handlers: MessageHandlers
    var logger: Logger { store.logger }

    public init(store: ServiceStore, handlers: MessageHandlers) {
        self.store = store
        self.handlers = handlers
    }

    /// What a replay did.
    public enum Outcome: String, Sendable {
        /// The message's handler ran and its effects are committed.
        case handled
        /// The command had been handled since (a later send got through); nothing ran.
        case alreadyHandled = "already_handled"
        /// The unacknowledged command goes out again from the outbox, its attempts reset.
        case resent
    }

    /// Why a letter cannot be replayed.
    public enum Refusal: Error, Sendable {
        case notFound
        case alreadyReplayed
        /// Its handler still fails, or it cannot be read or handled here; nothing changed.
        case failed(String)
    }

    /// Replays letter `id`; throws ``Refusal`` (having changed nothing) when it cannot.
    public func replay(_ id: Int64) async throws -> Outcome {
        let (handlers, logger, ownSource) = (handlers, logger, store.outbox.source)
        let outcome = try await store.transaction { transaction -> Outcome in
            let connection = transaction.connection
            guard
                let row = try await connection.query(
                    """
                    UPDATE dead_letters SET replayed_at = now() WHERE id = \(id) AND replayed_at IS NULL
                    RETURNING message_id, source, frames
                    """, logger: logger
                ).collect().first
            else {
                let exists = try await connection.query("SELECT 1 FROM dead_letters WHERE id = \(id)", logger: logger)
                    .collect()
                throw exists.isEmpty ? Refusal.notFound : Refusal.alreadyReplayed
            }
            let (messageID, source, text) = try row.decode((UUID?, String?, [String]).self)
            if source == ownSource, let messageID {
                let reset = try await connection.query(
                    """
                    UPDATE outbox SET dead_at = NULL, attempts = 0, next_attempt_at = now()
                    WHERE id = \(messageID) AND kind = 'command' AND dead_at IS NOT NULL RETURNING id
                    """, logger: logger
                ).collect()
                if !reset.isEmpty {
                    transaction.relayAfterCommit()
                    return .resent
                }
            }
            let message: ReceivedMessage
            do {
                message = try ReceivedMessage(frames: text.map(DeadLetters.frame))
            } catch {
                throw Refusal.failed("\(error)")
            }
            let header = message.header
            let isEvent = header.isEvent
            guard let handler = isEvent ? handlers.events[header.type] : handlers.commands[header.type] else {
                throw Refusal.failed("no handler for \(header.type)")
            }
            if !isEvent {
                let fresh = try await connection.query(
                    """
                    INSERT INTO inbox (message_id, type, source) VALUES (\(header.id), \(header.type), \(header.source))
                    ON CONFLICT DO NOTHING RETURNING message_id
                    """, logger: logger
                ).collect()
                if fresh.isEmpty { return .alreadyHandled }
            }
            do {
                try await handler(message, transaction.handling(header))
            } catch {
                throw Refusal.failed("handler failed: \(error)")
            }
            return .handled
        }
        logger.notice("dead letter replayed", metadata: ["id": "\(id)", "outcome": "\(outcome.rawValue)"])
        return outcome
    }
}
