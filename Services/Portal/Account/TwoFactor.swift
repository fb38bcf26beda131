import Crypto
import Foundation
import HummingbirdOTP
import QRCode
import Secrets

/// TOTP (RFC 6238: SHA-1, six digits, 30-second steps, as every authenticator app reads
/// them) and recovery codes.
enum TwoFactor {
    /// The RFC 4648 base32 alphabet: secrets and recovery codes use only these characters.
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    /// A new secret: 32 base32 characters (160 bits), whose bytes are the HMAC key.
    static func newSecret() -> String {
        String((0..<32).map { _ in alphabet.randomElement()! })
    }

    /// The time step at which `code` is `secret`'s, within one step of `now` (clocks drift), if any.
    static func step(of code: String, secret: String, now: Date = Date()) -> Int64? {
        let digits = code.filter(\.isNumber)
        guard digits.count == 6, let value = Int(digits) else { return nil }
        let totp = TOTP(secret: secret)
        let current = Int64(now.timeIntervalSince1970 / 30)
        for step in [current - 1, current, current + 1]
        where totp.compute(date: Date(timeIntervalSince1970: Double(step) * 30)) == value {
            return step
        }
        return nil
    }

    /// What an authenticator app scans or opens.
    static func authenticatorURL(secret: String, account: String, issuer: String) -> String {
        TOTP(secret: secret).createAuthenticatorURL(label: "\(issuer):\(account)", issuer: issuer)
    }

    /// The authenticator link as a QR code the app's camera reads from the screen (an SVG element).
    static func qrCode(secret: String, account: String, issuer: String) -> String {
        let url = authenticatorURL(secret: secret, account: account, issuer: issuer)
        return QRCode(url)?.svg(label: "QR code of your key, for your authenticator app's camera") ?? ""
    }

    /// The key as people type it into an app: base32 of the secret's bytes, in groups of four.
    static func manualKey(secret: String, account: String, issuer: String) -> String {
        let url = authenticatorURL(secret: secret, account: account, issuer: issuer)
        let key = URLComponents(string: url)?.queryItems?.first { $0.name == "secret" }?.value ?? ""
        return stride(from: 0, to: key.count, by: 4).map { start in
            String(key.dropFirst(start).prefix(4))
        }.joined(separator: " ")
    }

    /// Ten single-use codes, `XXXX-XXXX`.
    static func newRecoveryCodes() -> [String] {
        (0..<10).map { _ in
            let code = String((0..<8).map { _ in alphabet.randomElement()! })
            return "\(code.prefix(4))-\(code.suffix(4))"
        }
    }

    /// How a recovery code is stored and compared: upper case, without the dash.
    static func recoveryHash(_ code: String) -> String {
        SecretDigest.hex(code.uppercased().filter { $0.isLetter || $0.isNumber })
    }

    /// Whether `code` is the current TOTP code of the sealed secret (a time step not accepted
    /// before) or one of `owner`'s unused recovery codes; either is used up by proving.
    static func proves(
        _ code: String, sealedSecret: String?, owner: UUID, cipher: CredentialCipher,
        store: some SecondFactorStore
    ) async throws -> Bool {
        guard let sealedSecret else { return false }
        if let step = step(of: code, secret: try cipher.open(sealedSecret)) {
            return try await store.useTimeStep(step, of: owner)
        }
        return try await store.useRecoveryCode(hash: recoveryHash(code), of: owner)
    }
}

/// Where the use of a second factor is recorded, so each works once: people's and staff's.
protocol SecondFactorStore: Sendable {
    /// Accepts a TOTP time step once: `false` for one at or before the last accepted.
    func useTimeStep(_ step: Int64, of owner: UUID) async throws -> Bool
    /// Uses a recovery code once.
    func useRecoveryCode(hash: String, of owner: UUID) async throws -> Bool
}
