import Foundation
import ZeroMQ

/// The bus identities the load generator may act as, from the environment: the broker's
/// public key in `HOSTWIRE_BUS_SERVER_KEY` and `HOSTWIRE_BUS_KEYS=checkout=<Z85 secret>,…`.
/// A stage feeds the bus as the service it stands in for, so it needs that service's key;
/// without any keys it connects without CURVE (a broker that checks no identities).
enum BusKeys {
    static let serverKey = ProcessInfo.processInfo.environment["HOSTWIRE_BUS_SERVER_KEY"]
    static let secrets: [String: String] = {
        var secrets: [String: String] = [:]
        for item in (ProcessInfo.processInfo.environment["HOSTWIRE_BUS_KEYS"] ?? "").split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { secrets[parts[0]] = parts[1] }
        }
        return secrets
    }()

    /// CURVE options to connect as `identity` (any known one when `nil`: watching events
    /// needs only to be admitted); none when no keys were given.
    static func options(as identity: String?) throws -> [SocketOption] {
        guard let serverKey,
            let secret = identity.flatMap({ secrets[$0] }) ?? secrets.sorted(by: { $0.key < $1.key }).first?.value
        else {
            if let identity, serverKey != nil { throw LoadError("no key for \(identity) in HOSTWIRE_BUS_KEYS") }
            return []
        }
        return [
            .curveClient(
                publicKey: try CurveKeyPair.publicKey(forSecret: secret), secretKey: secret, serverKey: serverKey)
        ]
    }
}
