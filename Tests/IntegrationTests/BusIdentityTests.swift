import Contracts
import Delivery
import Foundation
import PostgresNIO
import Synchronization
import TestSupport
import Testing
import WireCodec
import ZeroMQ

/// The broker admits only known CURVE keys and holds each identity to its own topics,
/// queue, replays and allowed commands (real broker process, real ZeroMQ).
@Suite struct BusIdentityTests {
    /// Collects what arrives on one socket.
    final class Inbox: Sendable {
        final class Received: Sendable {
            let frames = Mutex<[[[UInt8]]]>([])
        }
        let loop: MessageLoop
        private let received = Received()
        private let reader: Task<Void, Never>

        init(_ spec: SocketSpec, name: String) async throws {
            let loop = try await MessageLoop(context: ZMQContext(), name: name, sockets: [spec])
            self.loop = loop
            let received = self.received
            reader = Task {
                for await batch in loop.messages { received.frames.withLock { $0 += batch.map(\.frames) } }
            }
        }

        var messages: [[[UInt8]]] { received.frames.withLock { $0 } }
        func stop() async {
            await loop.stop()
            await reader.value
        }
    }

    func endpoint(_ port: Int) -> String { "tcp://127.0.0.1:\(port)" }

    func envelope<P: BusMessage>(_ payload: P, to address: String, source: String, sequence: Int64? = nil) throws
        -> [[UInt8]]
    {
        let header = EnvelopeHeader(type: P.wireName, version: P.version, source: source, sequence: sequence)
        return try WireMessage.make(payload, to: address, header: header).frames
    }

    func metrics(_ bus: TestBroker) async throws -> String {
        try await JSONClient(port: bus.process.httpPort).call("GET", "/metrics").text
    }

    func refused(_ text: String, _ reason: String, _ identity: String) -> Int {
        let prefix = "hostwire_broker_refused_total{"
        for line in text.split(separator: "\n")
        where line.hasPrefix(prefix)
            && line.contains("reason=\"\(reason)\"") && line.contains("identity=\"\(identity)\"")
        {
            return Int(Double(line.split(separator: " ").last ?? "0") ?? 0)
        }
        return 0
    }

    @Test(
        "unknown keys are not admitted; provisioning cannot publish as checkout, command billing, pull mail's queue or ask replays for mail"
    )
    func eachIdentityDoesOnlyWhatItMay() async throws {
        let bus = TestBroker(
            queues: ["checkout", "provisioning", "billing", "mail"], tag: "identity",
            commandRoutes: ["checkout:provisioning"])
        try await bus.process.start()
        defer { bus.process.stop() }
        // What the rightful owners see.
        let mailQueue = try await Inbox(
            SocketSpec(.pull, [.connect(endpoint(bus.queues["mail"]!))], options: bus.clientOptions(as: "mail")),
            name: "mail-queue")
        let billingQueue = try await Inbox(
            SocketSpec(
                .pull, [.connect(endpoint(bus.queues["billing"]!))],
                options: bus.clientOptions(as: "billing")), name: "billing-queue")
        let checkoutQueue = try await Inbox(
            SocketSpec(
                .pull, [.connect(endpoint(bus.queues["checkout"]!))],
                options: bus.clientOptions(as: "checkout")), name: "checkout-queue")
        let provisioningQueue = try await Inbox(
            SocketSpec(
                .pull, [.connect(endpoint(bus.queues["provisioning"]!))],
                options: bus.clientOptions(as: "provisioning")), name: "provisioning-queue")
        let subscriber = try await Inbox(
            SocketSpec(
                .sub, [.connect(endpoint(bus.eventsOut))], options: bus.clientOptions(as: "mail"),
                subscriptions: ["checkout/", "provisioning/"]), name: "mail-events")
        // The attackers: a stranger, and provisioning overstepping (one of them on mail's queue).
        let stranger = try await MessageLoop(
            context: ZMQContext(), name: "stranger",
            sockets: [
                SocketSpec(.pub, [.connect(endpoint(bus.eventsIn))], options: bus.clientOptions(as: nil)),
                SocketSpec(.push, [.connect(endpoint(bus.commandsIn))], options: bus.clientOptions(as: nil)),
            ])
        let strangerOnMail = try await Inbox(
            SocketSpec(.pull, [.connect(endpoint(bus.queues["mail"]!))], options: bus.clientOptions(as: nil)),
            name: "stranger-pull")
        let provisioning = try await MessageLoop(
            context: ZMQContext(), name: "provisioning",
            sockets: [
                SocketSpec(.pub, [.connect(endpoint(bus.eventsIn))], options: bus.clientOptions(as: "provisioning")),
                SocketSpec(.push, [.connect(endpoint(bus.commandsIn))], options: bus.clientOptions(as: "provisioning")),
            ])
        let provisioningOnMail = try await Inbox(
            SocketSpec(
                .pull, [.connect(endpoint(bus.queues["mail"]!))],
                options: bus.clientOptions(as: "provisioning")), name: "provisioning-pull")
        let checkout = try await MessageLoop(
            context: ZMQContext(), name: "checkout",
            sockets: [
                SocketSpec(.push, [.connect(endpoint(bus.commandsIn))], options: bus.clientOptions(as: "checkout"))
            ])
        try await Task.sleep(for: .milliseconds(800))  // subscriptions reach the broker, handshakes settle

        let paid = OrderPaid(
            orderID: UUID(), customerID: UUID(), customerEmail: "a@b.example", customerName: "A", productID: UUID(),
            productName: "Starter", billingCycle: "monthly", amount: 999, currency: "USD", domain: "x.example",
            paymentReference: "pi_1", paymentCustomer: nil, paymentMethod: nil)
        let provision = ProvisionAccount(
            orderID: UUID(), customerID: UUID(), plan: "starter", serverGroup: "default",
            domain: "x.example", contactEmail: "a@b.example", customerName: "A")
        let suspend = SuspendAccount(accountID: UUID(), reason: "forged", actor: nil)
        // Forbidden.
        stranger.send(try envelope(paid, to: OrderPaid.topic, source: "checkout", sequence: 1), on: 0)
        stranger.send(try envelope(provision, to: "provisioning", source: "checkout"), on: 1)
        provisioning.send(try envelope(paid, to: OrderPaid.topic, source: "checkout", sequence: 1), on: 0)
        provisioning.send(
            try envelope(
                AccountSuspended(accountID: UUID(), domain: "x.example", reason: "r", actor: nil),
                to: AccountSuspended.topic, source: "checkout", sequence: 1), on: 0)
        provisioning.send(try envelope(suspend, to: "billing", source: "provisioning"), on: 1)
        provisioning.send(try envelope(provision, to: "provisioning", source: "checkout"), on: 1)
        provisioning.send(
            try envelope(
                BusControl.Replay(subscriber: "mail", fromSequence: 1, limit: 5000), to: "checkout",
                source: "provisioning"), on: 1)
        // Allowed: checkout's command, provisioning's acknowledgements to mail and its own events.
        checkout.send(try envelope(provision, to: "provisioning", source: "checkout"), on: 0)
        for _ in 0..<10 {
            provisioning.send(
                try envelope(BusControl.Acknowledge(messageIDs: [UUID()]), to: "mail", source: "provisioning"), on: 1)
        }
        provisioning.send(
            try envelope(
                AccountSuspended(accountID: UUID(), domain: "x.example", reason: "r", actor: nil),
                to: AccountSuspended.topic, source: "provisioning", sequence: 1), on: 0)
        provisioning.send(
            try envelope(
                BusControl.Replay(subscriber: "provisioning", fromSequence: 1, limit: 10), to: "checkout",
                source: "provisioning"), on: 1)

        #expect(
            await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
                mailQueue.messages.count == 10 && provisioningQueue.messages.count == 1
                    && subscriber.messages.count == 1
                    && checkoutQueue.messages.count == 1
            }, "what is allowed arrives")
        try await Task.sleep(for: .milliseconds(500))
        #expect(mailQueue.messages.count == 10, "mail's queue went to mail alone")
        #expect(strangerOnMail.messages.isEmpty && provisioningOnMail.messages.isEmpty)
        #expect(billingQueue.messages.isEmpty, "provisioning may not command billing")
        #expect(provisioningQueue.messages.count == 1, "only checkout's provision-account")
        #expect(subscriber.messages.count == 1, "only provisioning's own event, under its own topic")
        #expect(subscriber.messages.first.map { String(decoding: $0[0], as: UTF8.self) } == AccountSuspended.topic)

        let text = try await metrics(bus)
        #expect(refused(text, "unknown_key", "unknown") >= 1, "\(text)")
        #expect(refused(text, "foreign_queue", "provisioning") >= 1)
        #expect(refused(text, "foreign_topic", "provisioning") == 1)
        #expect(refused(text, "forged_source", "provisioning") == 2, "an event and a command in checkout's name")
        #expect(refused(text, "command_not_allowed", "provisioning") == 1)
        #expect(refused(text, "forged_subscriber", "provisioning") == 1)
        #expect(!text.contains("topic=\""), "no series per topic")
        let nowhere = try await JSONClient(port: bus.process.httpPort).call("GET", "/nowhere")
        #expect(nowhere.status == 404)
        #expect(nowhere.text.contains("\"not_found\""), "the broker's errors are JSON too")

        await stranger.stop()
        await provisioning.stop()
        await checkout.stop()
        for inbox in [
            mailQueue, billingQueue, checkoutQueue, provisioningQueue, subscriber, strangerOnMail, provisioningOnMail,
        ] {
            await inbox.stop()
        }
    }

    @Test func eachTestServiceProcessGetsOnlyItsOwnKey() async throws {
        let bus = TestBroker(queues: ["checkout", "provisioning"], tag: "identity-env")
        let keys = bus.identities.mapValues(\.secretKey)
        try await TestDatabase.with(services: []) { database in
            for service in ["checkout", "provisioning"] {
                let environment = bus.environment(for: service, database: database)
                #expect(environment["HOSTWIRE_BUS_SECRET_KEY"] == keys[service])
                #expect(
                    !environment.values.contains { value in keys.contains { $0.key != service && $0.value == value } })
                #expect(!environment.values.contains(bus.serverKeys.secretKey))
            }
        }
    }

    @Test("a forged sequence or heartbeat from another identity moves no cursor, and real events still flow")
    func forgedSequencesChangeNothing() async throws {
        try await TestDatabase.with(services: ["probe_a", "probe_b"]) { database in
            let harness = BusHarness(database: database, tag: "forged-sequence")
            defer { harness.stopAll() }
            try await harness.startAll()
            try await harness.emit(from: 0, count: 5)
            let cursor: PostgresQuery =
                "SELECT coalesce(max(last_sequence), 0)::int FROM probe_b.event_cursors WHERE publisher = 'probe_a'"
            #expect(await eventually(timeout: .seconds(60)) { try await database.count(cursor) == 5 })
            // probe_b's own key, claiming to be probe_a far ahead: on probe_a's topic, on its own
            // topic, and as a "replayed" event and a heartbeat pushed into its own queue.
            let forger = try await MessageLoop(
                context: ZMQContext(), name: "forger",
                sockets: [
                    SocketSpec(
                        .pub, [.connect(endpoint(harness.bus.eventsIn))],
                        options: harness.bus.clientOptions(as: "probe_b")),
                    SocketSpec(
                        .push, [.connect(endpoint(harness.bus.commandsIn))],
                        options: harness.bus.clientOptions(as: "probe_b")),
                ])
            try await Task.sleep(for: .milliseconds(500))
            let heartbeat = BusControl.Heartbeat(firstSequence: 1_000, lastSequence: 2_000)
            forger.send(try envelope(heartbeat, to: "probe_a/bus.heartbeat", source: "probe_a"), on: 0)
            forger.send(try envelope(heartbeat, to: "probe_b/bus.heartbeat", source: "probe_a"), on: 0)
            forger.send(try envelope(heartbeat, to: "probe_b", source: "probe_a", sequence: 1_000), on: 1)
            try await Task.sleep(for: .seconds(2))
            await forger.stop()
            #expect(try await database.count(cursor) == 5, "no cursor moved")
            try await harness.emit(from: 5, count: 5)
            #expect(
                await eventually(timeout: .seconds(60)) { try await database.count(cursor) == 10 },
                "the real stream goes on")
        }
    }
}
