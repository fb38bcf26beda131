import Crypto
import Foundation
import SwiftASN1
import X509

/// What a certificate request and an issued chain are made of, in swift-certificates terms.
public enum CertificateRequest {
    /// A PKCS#10 CSR (DER) for `names`, the first as the common name, all as DNS SANs.
    public static func der(names: [String], key: P256.Signing.PrivateKey) throws -> [UInt8] {
        let extensions = try Certificate.Extensions { SubjectAlternativeNames(names.map { .dnsName($0) }) }
        let csr = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName(names[0]) }, privateKey: .init(key),
            attributes: try CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))]),
            signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(csr)
        return serializer.serializedBytes
    }

    /// The leaf of a PEM chain: its expiry, start and serial number (hex).
    public static func leaf(of chain: String) throws -> (notBefore: Date, notAfter: Date, serial: String) {
        guard let end = chain.range(of: "-----END CERTIFICATE-----") else { throw ACMEError.unavailable("no certificate in the chain") }
        let certificate = try Certificate(pemEncoded: String(chain[..<end.upperBound]))
        let serial = certificate.serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
        return (certificate.notValidBefore, certificate.notValidAfter, serial)
    }
}
