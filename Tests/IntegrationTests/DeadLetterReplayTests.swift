import Contracts
import Delivery
import Foundation
import HTTPSupport
import HTTPTypes
import PostgresNIO
import ServiceKit
import Synchronization
import TestSupport
import Testing
import WireCodec

/// `/api/<service>/dead-letters`: an operator lists what could not be handled and replays
/// it once the cause is fixed; a replay that fails again changes nothing.
@Suite struct DeadLetterReplayTests {
    struct Broken: Error {}

    /// Whether the `order.paid` handler works yet.
    final class Health: Sendable {
        private let healthy = Mutex(false)
        var isHealthy: Bool { healthy.withLock { $0 } }
        func heal() { healthy.withLock { $0 = true } }
    }
    static let admin = "admin-token", viewer = "viewer-token"

    /// A service whose `order.paid` handler fails until `health` heals, and whose
    /// `provision-account` handler always works; each records its effect in `effects`.
    static func definition(health: Health) -> ServiceDefinition {
        var definition = ServiceDefinition(name: "replay")
        definition.apiTokens = APITokens([(.admin, admin), (.viewer, viewer)])
        definition.handlers.on(OrderPaid.self) { event, transaction in
            guard health.isHealthy else { throw Broken() }
            try await transaction.query("INSERT INTO effects (id) VALUES (\(event.orderID))")
        }
        definition.handlers.handle(ProvisionAccount.self) { command, transaction in
            try await transaction.query("INSERT INTO effects (id) VALUES (\(command.orderID))")
        }
        return definition
    }

    @Test(
        "a failed event is replayed once its handler works, once; a command once; an unacknowledged command is re-sent; unreadable letters and bad requests change nothing"
    )
    func replay() async throws {
        try await TestDatabase.with(services: ["replay"]) { database in
            try await database.withAdmin { client in
                try await client.query("CREATE TABLE replay.effects (id uuid PRIMARY KEY)", logger: TestDatabase.logger)
                try await client.query("ALTER TABLE replay.effects OWNER TO replay", logger: TestDatabase.logger)
            }
            let health = Health()
            try await withRouter(Self.definition(health: health), database: database) { client in
                let event = Samples.orderPaid()
                let command = Samples.provisionAccount()
                let resent = UUID()
                let eventLetter = try await Self.deadLetter(
                    database, [OrderPaid.topic, try Samples.envelope(event, sequence: 7)],
                    source: "checkout", id: nil)
                let commandEnvelope = try Samples.envelope(command)
                let commandLetter = try await Self.deadLetter(
                    database, [ProvisionAccount.queue, commandEnvelope], source: "checkout", id: nil)
                let again = try await Self.deadLetter(
                    database, [ProvisionAccount.queue, commandEnvelope], source: "checkout", id: nil)
                let garbage = try await Self.deadLetter(database, ["replay", "base64:AAEC"], source: nil, id: nil)
                try await database.withAdmin { admin in
                    try await admin.query(
                        """
                        INSERT INTO replay.outbox (id, kind, destination, type, version, occurred_at, payload, attempts, dead_at)
                        VALUES (\(resent), 'command', 'provisioning', 'provision-account', 1, now(), '{}', 1500, now())
                        """, logger: TestDatabase.logger)
                }
                let unacknowledged = try await Self.deadLetter(
                    database, ["provisioning", "{}"], source: "replay", id: resent)
                let effects = { try await database.count("SELECT count(*)::int FROM replay.effects") }
                let replay = { (id: Int64) in
                    try await client.json(.post, "/api/replay/dead-letters/\(id)/replay", token: Self.admin)
                }

                let broken = try await replay(eventLetter)
                #expect(
                    broken.status == .unprocessableContent && errorCode(broken.json) == "replay_failed",
                    "\(broken.text)")
                #expect(try await effects() == 0)
                health.heal()
                #expect(try await replay(eventLetter).json["outcome"] as? String == "handled")
                #expect(try await effects() == 1)
                let twice = try await replay(eventLetter)
                #expect(twice.status == .conflict && errorCode(twice.json) == "already_replayed")

                #expect(try await replay(commandLetter).json["outcome"] as? String == "handled")
                #expect(
                    try await replay(again).json["outcome"] as? String == "already_handled",
                    "the same command id applies once")
                #expect(try await effects() == 2)

                let unreadable = try await replay(garbage)
                #expect(unreadable.status == .unprocessableContent)
                #expect(try await replay(unacknowledged).json["outcome"] as? String == "resent")
                #expect(
                    try await database.count(
                        """
                        SELECT count(*)::int FROM replay.outbox WHERE id = \(resent) AND dead_at IS NULL AND attempts = 0
                        """) == 1)

                let waiting = try await client.json(.get, "/api/replay/dead-letters?replayed=false", token: Self.viewer)
                #expect(waiting.json["total"] as? Int == 1, "only the unreadable letter waits: \(waiting.text)")
                let shown = try await client.json(.get, "/api/replay/dead-letters/\(garbage)", token: Self.viewer)
                #expect(shown.json["frames"] as? [String] == ["replay", "base64:AAEC"])
                #expect(
                    try await client.json(.get, "/api/replay/dead-letters/999999", token: Self.admin).status
                        == .notFound)
                #expect(
                    try await client.json(.get, "/api/replay/dead-letters?replayed=maybe", token: Self.admin).status
                        == .unprocessableContent)
                #expect(try await client.json(.get, "/api/replay/dead-letters").status == .unauthorized)
                #expect(
                    try await client.json(.post, "/api/replay/dead-letters/\(garbage)/replay", token: Self.viewer)
                        .status == .forbidden)
            }
        }
    }

    /// Stores a dead letter as the consumer or the relay would; returns its id.
    static func deadLetter(_ database: TestDatabase, _ frames: [String], source: String?, id: UUID?) async throws
        -> Int64
    {
        try await database.withAdmin { client in
            try await client.query(
                """
                INSERT INTO replay.dead_letters (reason, message_id, type, source, frames)
                VALUES ('test', \(id), NULL, \(source), \(frames)) RETURNING id
                """, logger: TestDatabase.logger
            ).collect().first!.decode(Int64.self)
        }
    }

    enum Samples {
        static func orderPaid() -> OrderPaid {
            OrderPaid(
                orderID: UUID(), customerID: UUID(), customerEmail: "owner@replay.example", customerName: "Owner",
                productID: UUID(), productName: "Starter", billingCycle: "monthly", amount: 499, currency: "USD",
                domain: "replay.example", paymentReference: "pi_replay", paymentCustomer: nil, paymentMethod: nil)
        }

        static func provisionAccount() -> ProvisionAccount {
            ProvisionAccount(
                orderID: UUID(), customerID: UUID(), plan: "starter", serverGroup: "default", domain: "replay.example",
                contactEmail: "owner@replay.example", customerName: "Owner")
        }

        static func envelope<M: BusMessage>(_ message: M, sequence: Int64? = nil) throws -> String {
            let header = EnvelopeHeader(type: M.wireName, version: M.version, source: "checkout", sequence: sequence)
            return String(decoding: try WireMessage.make(message, to: "-", header: header).envelope, as: UTF8.self)
        }
    }
}
