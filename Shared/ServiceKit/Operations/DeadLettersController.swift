import Foundation
import HTTPSupport
import Hummingbird
import Persistence
import PostgresNIO

/// The dead-letter endpoints every service offers operators under `/api/<service>`: list,
/// show (with the stored frames), and replay.
public struct DeadLettersController<Context: RequestContext>: Sendable {
    let database: Database
    let replayer: DeadLetterReplayer

    public init(database: Database, replayer: DeadLetterReplayer) {
        self.database = database
        self.replayer = replayer
    }

    struct Letter: Encodable {
        let id: Int64
        let receivedAt: Date
        let reason: String
        let messageID: UUID?
        let type: String?
        let source: String?
        let replayedAt: Date?
        let frames: [String]?

        enum CodingKeys: String, CodingKey {
            case id, reason, type, source, frames
            case receivedAt = "received_at"
            case messageID = "message_id"
            case replayedAt = "replayed_at"
        }
    }

    public func addRoutes(to group: RouterGroup<Context>) {
        // `?replayed=false` lists the letters still waiting for an operator.
        group.get("dead-letters") { request, _ in
            let replayed = try request.uri.queryParameters.get("replayed").map { text -> Bool in
                guard let value = Bool(text) else { throw APIError.invalid("replayed", "replayed is true or false") }
                return value
            }
            let paging = try Paging(request)
            let total = try await database.query(
                """
                SELECT count(*)::int FROM dead_letters WHERE \(replayed)::bool IS NULL OR (replayed_at IS NOT NULL) = \(replayed)
                """
            ).first!.decode(Int.self)
            let items = try await letters(id: nil, replayed: replayed, limit: paging.perPage, offset: paging.offset)
            return APIResponse.json(Page(items: items, paging: paging, total: total))
        }
        group.get("dead-letters/{id}") { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            guard let letter = try await letters(id: id, replayed: nil, limit: 1, offset: 0).first else {
                throw APIError.notFound("dead letter")
            }
            return APIResponse.json(letter)
        }
        group.post("dead-letters/{id}/replay") { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            do {
                let outcome = try await replayer.replay(id)
                return APIResponse.json(["id": "\(id)", "outcome": outcome.rawValue])
            } catch DeadLetterReplayer.Refusal.notFound {
                throw APIError.notFound("dead letter")
            } catch DeadLetterReplayer.Refusal.alreadyReplayed {
                throw APIError.conflict("already_replayed", "dead letter \(id) was replayed already")
            } catch DeadLetterReplayer.Refusal.failed(let reason) {
                throw APIError(.unprocessableContent, code: "replay_failed", "the replay changed nothing: \(reason)")
            }
        }
    }

    /// Letters newest first; one asked for by `id` comes with its frames.
    private func letters(id: Int64?, replayed: Bool?, limit: Int, offset: Int) async throws -> [Letter] {
        try await database.query(
            """
            SELECT id, received_at, reason, message_id, type, source, replayed_at,
                   CASE WHEN \(id)::bigint IS NOT NULL THEN frames END
            FROM dead_letters
            WHERE (\(id)::bigint IS NULL OR id = \(id))
              AND (\(replayed)::bool IS NULL OR (replayed_at IS NOT NULL) = \(replayed))
            ORDER BY id DESC LIMIT \(limit) OFFSET \(offset)
            """
        ).map { row in
            let (id, received, reason, message, type, source, replayed, frames) =
                try row.decode((Int64, Date, String, UUID?, String?, String?, Date?, [String]?).self)
            return Letter(
                id: id, receivedAt: received, reason: reason, messageID: message, type: type, source: source,
                replayedAt: replayed, frames: frames)
        }
    }
}
