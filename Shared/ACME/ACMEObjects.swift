import Foundation

/// The ACME resources the client reads (RFC 8555 §7.1).
public struct ACMEDirectory: Decodable, Sendable {
    public let newNonce: String
    public let newAccount: String
    public let newOrder: String
}

/// The state of an ACME order, authorization or challenge (RFC 8555 §7.1.6); each kind of
/// object takes some of them.
public enum ACMEStatus: String, Decodable, Sendable {
    case pending, ready, processing, valid, invalid, deactivated, expired, revoked
}

public struct ACMEOrder: Decodable, Sendable {
    /// `pending`, `ready`, `processing`, `valid` or `invalid`.
    public let status: ACMEStatus
    public let authorizations: [String]
    public let finalize: String
    public let certificate: String?
    public let error: ACMEProblem?
}

public struct ACMEAuthorization: Decodable, Sendable {
    public struct Identifier: Decodable, Sendable {
        public let type: String
        public let value: String
    }
    public struct Challenge: Decodable, Sendable {
        public let type: String
        public let url: String
        public let token: String
        /// `pending`, `processing`, `valid` or `invalid`.
        public let status: ACMEStatus
    }
    /// `pending`, `valid`, `invalid`, `deactivated`, `expired` or `revoked`.
    public let status: ACMEStatus
    public let identifier: Identifier
    public let challenges: [Challenge]
    public let wildcard: Bool?
}

/// An RFC 7807 problem document, as ACME servers report errors.
public struct ACMEProblem: Decodable, Sendable, Error, CustomStringConvertible {
    public let type: String
    public let detail: String?
    public let status: Int?
    public var description: String { "\(type)\(detail.map { ": \($0)" } ?? "")" }
}

/// Why an ACME call failed.
public enum ACMEError: Error, CustomStringConvertible, Sendable {
    /// The server answered with a problem (after `badNonce` retries ran out, that too).
    case problem(ACMEProblem)
    /// No usable answer: connection, timeout, 5xx.
    case unavailable(String)
    /// An order or authorization ended `invalid`.
    case invalid(String)

    public var description: String {
        switch self {
        case .problem(let problem): "ACME problem \(problem)"
        case .unavailable(let reason): "ACME server unavailable: \(reason)"
        case .invalid(let reason): "ACME validation failed: \(reason)"
        }
    }
}
