import Crypto
import Foundation

/// Encrypts credentials at rest with AES-256-GCM under a ring of keys.
///
/// A sealed value is `<key id>:<base64 nonce‖ciphertext‖tag>`. New values use the current
/// key; values sealed under an older key still open, so keys rotate without a migration
/// (docs/operations.md: add a key, make it current, re-seal, remove the old one).
public struct CredentialCipher: Sendable {
    private let keys: [String: SymmetricKey]
    public let currentKeyID: String

    public init(keys: [String: SymmetricKey], currentKeyID: String) throws {
        guard keys[currentKeyID] != nil else { throw CredentialCipherError("no key with id \(currentKeyID)") }
        for (id, key) in keys where key.bitCount != 256 || id.contains(":") {
            throw CredentialCipherError("key \(id) must be 32 bytes and its id must not contain ':'")
        }
        self.keys = keys
        self.currentKeyID = currentKeyID
    }

    /// Reads a ring written as `id=base64key,id2=base64key`; the first key is current
    /// unless `currentKeyID` names another.
    public init(ring: String, currentKeyID: String? = nil) throws {
        var keys: [String: SymmetricKey] = [:]
        var first: String?
        for entry in ring.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let bytes = Data(base64Encoded: parts[1]) else {
                throw CredentialCipherError("a key ring entry is not id=base64key")
            }
            keys[parts[0]] = SymmetricKey(data: bytes)
            first = first ?? parts[0]
        }
        guard let current = currentKeyID ?? first else { throw CredentialCipherError("the key ring is empty") }
        try self.init(keys: keys, currentKeyID: current)
    }

    /// A fresh random key in the ring's text form, for `make run` and tests.
    public static func generateKey() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    public func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: keys[currentKeyID]!)
        return "\(currentKeyID):\(box.combined!.base64EncodedString())"
    }

    public func open(_ sealed: String) throws -> String {
        guard let colon = sealed.firstIndex(of: ":"),
            let key = keys[String(sealed[..<colon])],
            let combined = Data(base64Encoded: String(sealed[sealed.index(after: colon)...]))
        else {
            throw CredentialCipherError("sealed value has an unknown key id or is malformed")
        }
        let plaintext = try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key)
        return String(decoding: plaintext, as: UTF8.self)
    }

    /// Whether `sealed` was sealed under an older key and should be re-sealed.
    public func needsRotation(_ sealed: String) -> Bool {
        !sealed.hasPrefix("\(currentKeyID):")
    }
}

public struct CredentialCipherError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
