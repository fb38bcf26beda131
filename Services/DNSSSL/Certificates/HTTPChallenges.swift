import Foundation
import HTTPSupport
import Hummingbird
import Persistence
import PostgresNIO
import ServiceKit

/// The http-01 key authorizations answered while the CA looks.
enum HTTPChallengeStore {
    static func keep(token: String, keyAuthorization: String, certificate: UUID, in database: Database) async throws {
        try await database.query(
            """
            INSERT INTO http_challenges (token, key_authorization, certificate_id)
            VALUES (\(token), \(keyAuthorization), \(certificate))
            ON CONFLICT (token) DO UPDATE SET key_authorization = excluded.key_authorization
            """)
    }

    static func keyAuthorization(for token: String, in database: Database) async throws -> String? {
        try await database.query("SELECT key_authorization FROM http_challenges WHERE token = \(token)").first?.decode(
            String.self)
    }

    static func forget(certificate: UUID, in database: Database) async throws {
        try await database.query("DELETE FROM http_challenges WHERE certificate_id = \(certificate)")
    }

    /// A token as ACME makes them: base64url, 16 to 128 characters.
    static func isToken(_ text: String) -> Bool {
        (16...128).contains(text.utf8.count)
            && text.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}

/// `GET /.well-known/acme-challenge/{token}`: what the CA fetches from an account's site
/// for http-01. Every panel server forwards this path to DNS/SSL (docs/operations.md), so
/// no file is written into the customer's site. Public: the CA has no credentials, and a
/// token answers only while its certificate is being validated.
struct HTTPChallengeController: Sendable {
    let database: Database

    func addRoutes(to router: Router<ServiceRequestContext>) {
        router.get(".well-known/acme-challenge/{token}") { _, context -> Response in
            let token = try context.parameters.require("token")
            guard HTTPChallengeStore.isToken(token),
                let answer = try await HTTPChallengeStore.keyAuthorization(for: token, in: database)
            else { throw APIError.notFound("challenge") }
            return Response(
                status: .ok, headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
    }
}
