/// Hands a finished message to a mail server.
public protocol MailTransport: Sendable {
    /// Sends `message` (RFC 5322 bytes, CRLF line ends) from `sender` to `recipients`.
    func send(_ message: [UInt8], from sender: String, to recipients: [String]) async throws(MailDeliveryError)
}

/// Why a message was not accepted, split the way retries need it.
public enum MailDeliveryError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Worth trying again: a 4xx reply, a refused or dropped connection, a timeout.
    case transient(String)
    /// The server refused for good (5xx): retrying would be refused again.
    case permanent(code: Int, reply: String)

    public var description: String {
        switch self {
        case .transient(let reason): "temporary delivery failure: \(reason)"
        case .permanent(let code, let reply): "delivery refused (\(code)): \(reply)"
        }
    }
}
