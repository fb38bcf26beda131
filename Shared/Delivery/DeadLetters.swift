import Foundation
import Logging
import PostgresNIO

/// Keeps messages that could not be decoded or handled, for an operator to inspect and replay.
public struct DeadLetters: Sendable {
    public init() {}

    /// Records `frames` with `reason`; binary frames are kept as `base64:` text.
    public func record(
        frames: [[UInt8]], reason: String, messageID: UUID? = nil, type: String? = nil, source: String? = nil,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        let text = frames.map(Self.text)
        try await connection.query(
            """
            INSERT INTO dead_letters (reason, message_id, type, source, frames)
            VALUES (\(reason), \(messageID), \(type), \(source), \(text))
            """, logger: logger)
        logger.warning(
            "dead-lettered message",
            metadata: [
                "reason": "\(reason)", "type": "\(type ?? "-")", "message_id": "\(messageID?.uuidString ?? "-")",
            ])
    }

    /// A frame as stored: its UTF-8 text, or `base64:` and the bytes when it is not UTF-8.
    package static func text(_ frame: [UInt8]) -> String {
        String(validating: frame, as: UTF8.self) ?? "base64:" + Data(frame).base64EncodedString()
    }

    /// A stored frame back to its bytes.
    package static func frame(_ text: String) -> [UInt8] {
        if text.hasPrefix("base64:"), let data = Data(base64Encoded: String(text.dropFirst(7))) { return Array(data) }
        return Array(text.utf8)
    }
}
