import Contracts
import Delivery
import Foundation
import Synchronization
import WireCodec
import ZeroMQ

/// Sends events and commands as the services that own them would, so that one stage can be
/// driven without the stages before it.
///
/// Events form a fresh stream per publisher, numbered from 1: run it against a database
/// that has never seen that publisher. Commands go to the broker's PULL; their
/// acknowledgements come back on the queue of the service they claim to be from, which
/// this feed drains when `acknowledgements` names that queue's endpoint.
final class BusFeed: Sendable {
    private let loop: MessageLoop
    private let sequences = Mutex<[String: Int64]>([:])

    private init(loop: MessageLoop) { self.loop = loop }

    /// Opens the feed for `body`, on the bus as `identity` (the service it stands in for), and
    /// closes it after the queued messages have left.
    static func with<R>(
        as identity: String, events: String, commands: String, acknowledgements: String? = nil,
        _ body: (BusFeed) async throws -> R
    ) async throws -> R {
        let security = try BusKeys.options(as: identity)
        var sockets = [
            SocketSpec(.pub, [.connect(events)], options: security),
            SocketSpec(.push, [.connect(commands)], options: security),
        ]
        if let acknowledgements { sockets.append(SocketSpec(.pull, [.connect(acknowledgements)], options: security)) }
        let loop = try await MessageLoop(context: ZMQContext(), name: "load-feed", sockets: sockets)
        let drain = Task { for await _ in loop.messages {} }
        try await Task.sleep(for: .milliseconds(300))
        let feed = BusFeed(loop: loop)
        do {
            let result = try await body(feed)
            await wait(upTo: 30) { loop.unsent == 0 }
            await loop.stop()
            await drain.value
            return result
        } catch {
            await loop.stop()
            throw error
        }
    }

    /// Publishes `event` as the next of its publisher's stream.
    func publish<E: Event>(_ event: E) throws {
        let sequence = sequences.withLock { sequences in
            sequences[E.publisher, default: 0] += 1
            return sequences[E.publisher]!
        }
        let header = EnvelopeHeader(type: E.wireName, version: E.version, source: E.publisher, sequence: sequence)
        loop.send(try WireMessage.make(event, to: E.topic, header: header).frames, on: 0)
    }

    /// Sends `command` to its queue as if from `source`.
    func send<C: Command>(_ command: C, from source: String) throws {
        let header = EnvelopeHeader(type: C.wireName, version: C.version, source: source)
        loop.send(try WireMessage.make(command, to: C.queue, header: header).frames, on: 1)
    }
}
