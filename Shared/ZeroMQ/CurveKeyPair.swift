import CZeroMQ

/// A CURVE key pair in Z85 text, as `zmq_curve_keypair` makes it.
public struct CurveKeyPair: Sendable, Equatable {
    public let publicKey: String
    public let secretKey: String

    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Generates a fresh key pair.
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41)
        var sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else { throw ZMQError.last("zmq_curve_keypair") }
        return CurveKeyPair(publicKey: String(zeroTerminated: pub), secretKey: String(zeroTerminated: sec))
    }

    /// Derives the public key of a Z85 secret key.
    public static func publicKey(forSecret secret: String) throws(ZMQError) -> String {
        var pub = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&pub, secret) == 0 else { throw ZMQError.last("zmq_curve_public") }
        return String(zeroTerminated: pub)
    }

    /// The Z85 text of a 32-byte binary key, as a ZAP request carries a client's key.
    public static func z85(_ key: [UInt8]) -> String? {
        guard key.count == 32 else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        guard key.withUnsafeBufferPointer({ zmq_z85_encode(&text, $0.baseAddress, 32) }) != nil else { return nil }
        return String(zeroTerminated: text)
    }
}
