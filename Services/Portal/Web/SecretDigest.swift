import Crypto
import Foundation

/// The SHA-256 of a secret (a session id, an email link's token) in hex: what the portal
/// stores and compares instead of the secret itself.
enum SecretDigest {
    static func hex(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether two secrets are equal, in time that says nothing about how much of them matched.
    static func same(_ a: String, _ b: String) -> Bool {
        SHA256.hash(data: Data(a.utf8)) == SHA256.hash(data: Data(b.utf8))
    }
}
