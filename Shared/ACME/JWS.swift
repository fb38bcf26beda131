import Crypto
import Foundation

/// RFC 7515 flattened JSON Web Signatures with ES256, as ACME (RFC 8555 §6.2) wants them.
struct JWS: Sendable {
    let key: P256.Signing.PrivateKey

    /// The public key as a JWK: `{"crv","kty","x","y"}`, members in sorted order (RFC 7638).
    var jwk: [String: String] {
        let point = key.publicKey.x963Representation.dropFirst()
        return [
            "crv": "P-256", "kty": "EC", "x": Base64URL.encode(point.prefix(32)),
            "y": Base64URL.encode(point.suffix(32)),
        ]
    }

    /// `b64url(SHA256(thumbprint JSON))`: the account's part of a key authorization.
    var thumbprint: String {
        let json = #"{"crv":"P-256","kty":"EC","x":"\#(jwk["x"]!)","y":"\#(jwk["y"]!)"}"#
        return Base64URL.encode(Data(SHA256.hash(data: Data(json.utf8))))
    }

    /// Signs `payload` (nil: POST-as-GET's empty payload) for `url`, identified by `kid` or, without one, by the JWK.
    func sign(_ payload: Data?, url: String, nonce: String, kid: String?) throws -> Data {
        var header: [String: Any] = ["alg": "ES256", "nonce": nonce, "url": url]
        if let kid { header["kid"] = kid } else { header["jwk"] = jwk }
        let protected = Base64URL.encode(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        let body = payload.map { Base64URL.encode($0) } ?? ""
        // ES256 signatures are raw r‖s (64 bytes), not DER.
        let signature = try key.signature(for: Data("\(protected).\(body)".utf8)).rawRepresentation
        return try JSONSerialization.data(
            withJSONObject: [
                "protected": protected, "payload": body, "signature": Base64URL.encode(signature),
            ], options: [.sortedKeys])
    }
}

/// Base64url without padding (RFC 4648 §5).
public enum Base64URL {
    public static func encode<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }
}
