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

    /// A PEM chain's leaf (the first certificate) and the rest.
    public static func split(_ pem: String) -> (leaf: String, chain: String) {
        guard let end = pem.range(of: "-----END CERTIFICATE-----") else { return (pem, "") }
        return (
            String(pem[..<end.upperBound]) + "\n",
            pem[end.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
        )
    }

    /// A leaf certificate's start, expiry and serial number (hex).
    public static func facts(ofLeaf pem: String) throws -> (notBefore: Date, notAfter: Date, serial: String) {
        let certificate = try Certificate(pemEncoded: pem)
        let serial = certificate.serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
        return (certificate.notValidBefore, certificate.notValidAfter, serial)
    }
}
