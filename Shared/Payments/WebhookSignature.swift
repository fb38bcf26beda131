import Crypto
import Foundation

/// Stripe's webhook signature: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`, where each v1
/// is HMAC-SHA256 keyed with the endpoint secret over `"<t>.<raw body>"`.
public struct WebhookSignature: Sendable {
    public let secret: String
    /// How far the signed time may be from now, either way.
    public var tolerance: TimeInterval = 300

    public init(secret: String) {
        self.secret = secret
    }

    /// Checks `header` against the raw `body`; any v1 may match, compared in constant time.
    public func verify(_ body: [UInt8], header: String, now: Date = Date()) throws(WebhookSignatureError) {
        var timestamp: Int?
        var signatures: [Data] = []
        for item in header.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "t": timestamp = Int(pair[1])
            case "v1": if let bytes = Data(hex: pair[1]) { signatures.append(bytes) }
            default: break
            }
        }
        guard let timestamp, !signatures.isEmpty else { throw .malformed }
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { throw .outsideTolerance }
        let key = SymmetricKey(data: Data(secret.utf8))
        let signed = Data("\(timestamp).".utf8) + body
        guard
            signatures.contains(where: {
                HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: signed, using: key)
            })
        else {
            throw .mismatch
        }
    }

    /// The header Stripe would send for `body` at `time` (the simulator and tests sign with it).
    public func header(for body: [UInt8], at time: Date = Date()) -> String {
        let timestamp = Int(time.timeIntervalSince1970)
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(timestamp).".utf8) + body,
            using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(timestamp),v1=\(Data(mac).map { String(format: "%02x", $0) }.joined())"
    }
}

public enum WebhookSignatureError: Error, CustomStringConvertible, Sendable {
    case malformed, outsideTolerance, mismatch

    public var description: String {
        switch self {
        case .malformed: "Stripe-Signature header is missing or malformed"
        case .outsideTolerance: "Stripe-Signature timestamp is outside the 300 s tolerance"
        case .mismatch: "no v1 signature matches the payload"
        }
    }
}

extension Data {
    init?(hex: String) {
        guard hex.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
