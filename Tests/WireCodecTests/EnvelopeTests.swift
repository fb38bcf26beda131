import Contracts
import Delivery
import Foundation
import Testing
import WireCodec

/// The wire format: envelope fields, payload splicing and the stable names.
@Suite struct EnvelopeTests {
    @Test func anEnvelopeBuiltFromStoredPayloadDecodesAsItsType() throws {
        let order = UUID()
        let customer = UUID()
        let header = EnvelopeHeader(
            type: ProvisionAccount.wireName, version: 1, source: "checkout",
            correlationID: order, occurredAt: Date(timeIntervalSince1970: 1_790_000_000.125))
        let payload = ProvisionAccount(
            orderID: order, customerID: customer, plan: "starter", serverGroup: "eu",
            domain: "example.test", contactEmail: "a@example.test", customerName: "Ada")
        let message = try WireMessage.make(payload, to: ProvisionAccount.queue, header: header)
        let received = try ReceivedMessage(frames: message.frames)
        #expect(received.address == "provisioning")
        #expect(received.header == header)
        #expect(received.header.isEvent == false)
        #expect(try received.payload(as: ProvisionAccount.self).domain == "example.test")

        let json = try JSONSerialization.jsonObject(with: Data(message.envelope)) as! [String: Any]
        #expect(Set(json.keys) == ["id", "type", "version", "source", "correlation_id", "occurred_at", "payload"])
        #expect(json["occurred_at"] as? String == "2026-09-21T14:13:20.125Z")
        #expect((json["payload"] as? [String: Any])?["server_group"] as? String == "eu")
    }

    @Test func malformedFramesAreRejectedWithAReason() {
        #expect(throws: ReceivedMessage.Malformed.self) { try ReceivedMessage(frames: [[1, 2, 3]]) }
        #expect(throws: ReceivedMessage.Malformed.self) {
            try ReceivedMessage(frames: [Array("q".utf8), Array("{}".utf8)])
        }
        #expect(throws: ReceivedMessage.Malformed.self) {
            try ReceivedMessage(frames: [[0xff, 0xfe], Array("{}".utf8)])
        }
    }

    /// Renaming any of these breaks every other service: this list changes only on purpose.
    @Test func wireNamesAreStable() {
        #expect(ProvisionAccount.wireName == "provision-account")
        #expect(SuspendAccount.wireName == "suspend-account")
        #expect(UnsuspendAccount.wireName == "unsuspend-account")
        #expect(TerminateAccount.wireName == "terminate-account")
        #expect(ChangePackage.wireName == "change-package")
        #expect(ChangePassword.wireName == "change-password")
        #expect(OrderPlaced.topic == "checkout/order.placed")
        #expect(AccountSuspended.topic == "provisioning/account.suspended")
        #expect(AccountUnsuspended.topic == "provisioning/account.unsuspended")
        #expect(AccountTerminated.topic == "provisioning/account.terminated")
        #expect(AccountPackageChanged.topic == "provisioning/account.package-changed")
        #expect(AccountPasswordChanged.topic == "provisioning/account.password-changed")
        #expect(OrderPaid.topic == "checkout/order.paid")
        #expect(AccountProvisioned.topic == "provisioning/account.provisioned")
        #expect(AccountProvisioningFailed.topic == "provisioning/account.provisioning-failed")
        #expect(TimerFired.topic == "timer/timer.fired")
        #expect(BusControl.Acknowledge.wireName == "bus.ack")
        #expect(BusControl.Replay.wireName == "bus.replay")
        #expect(BusControl.Heartbeat.wireName == "bus.heartbeat")
    }
}
