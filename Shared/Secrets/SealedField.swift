import Crypto
import Foundation

/// Seals a field of a bus message for its one reader (HPKE, X25519 + ChaCha20-Poly1305).
///
/// The sender holds only the reader's public key, so a secret such as a new account's
/// password crosses the bus, the broker and every other subscriber's logs unreadable.
/// Sealed text: `<base64 encapsulated key>.<base64 ciphertext>`.
public struct FieldSealer: Sendable {
    private let recipient: Curve25519.KeyAgreement.PublicKey
    private let info: Data

    /// `publicKey` is the reader's raw X25519 public key in base64; `purpose` binds the
    /// ciphertext to one use (for example `account.password`).
    public init(publicKey: String, purpose: String) throws {
        guard let raw = Data(base64Encoded: publicKey) else { throw CredentialCipherError("public key is not base64") }
        recipient = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: raw)
        info = Data(purpose.utf8)
    }

    public func seal(_ plaintext: String) throws -> String {
        var sender = try HPKE.Sender(recipientKey: recipient, ciphersuite: .Curve25519_SHA256_ChachaPoly, info: info)
        let ciphertext = try sender.seal(Data(plaintext.utf8))
        return sender.encapsulatedKey.base64EncodedString() + "." + ciphertext.base64EncodedString()
    }
}

/// Opens fields sealed by a ``FieldSealer`` for this reader.
public struct FieldOpener: Sendable {
    private let key: Curve25519.KeyAgreement.PrivateKey
    private let info: Data

    public init(privateKey: String, purpose: String) throws {
        guard let raw = Data(base64Encoded: privateKey) else {
            throw CredentialCipherError("private key is not base64")
        }
        key = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw)
        info = Data(purpose.utf8)
    }

    public func open(_ sealed: String) throws -> String {
        let parts = sealed.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let encapsulated = Data(base64Encoded: String(parts[0])),
            let ciphertext = Data(base64Encoded: String(parts[1]))
        else {
            throw CredentialCipherError("sealed field is malformed")
        }
        var recipient = try HPKE.Recipient(
            privateKey: key, ciphersuite: .Curve25519_SHA256_ChachaPoly, info: info,
            encapsulatedKey: encapsulated)
        return String(decoding: try recipient.open(ciphertext), as: UTF8.self)
    }

    /// A new reader key pair, both base64: give `publicKey` to senders, keep `privateKey`.
    public static func generateKeyPair() -> (publicKey: String, privateKey: String) {
        let key = Curve25519.KeyAgreement.PrivateKey()
        return (key.publicKey.rawRepresentation.base64EncodedString(), key.rawRepresentation.base64EncodedString())
    }
}
