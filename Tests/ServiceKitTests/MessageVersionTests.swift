import Contracts
import Foundation
import Testing
import WireCodec

@testable import Delivery
@testable import ServiceKit

/// A known type in a version this build does not know is unreadable (dead-lettered), not
/// guessed at.
@Suite struct MessageVersionTests {
    func received(version: Int) throws -> ReceivedMessage {
        let header = EnvelopeHeader(
            type: TimerFired.wireName, version: version, source: TimerFired.publisher, sequence: 1,
            occurredAt: Date())
        let message = try WireMessage.make(
            TimerFired(schedule: "daily", slot: Date()), to: TimerFired.topic, header: header)
        return try ReceivedMessage(frames: [Array(message.address.utf8), message.envelope])
    }

    @Test func theCurrentVersionDecodes() throws {
        #expect(
            try MessageHandlers.decode(received(version: TimerFired.version), as: TimerFired.self).schedule == "daily")
    }

    @Test(arguments: [0, -1, TimerFired.version + 1, Int.max])
    func anUnknownVersionIsUnreadable(_ version: Int) throws {
        #expect(throws: UnreadableMessage.self) {
            try MessageHandlers.decode(received(version: version), as: TimerFired.self)
        }
    }
}
