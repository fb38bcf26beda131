import Crypto
import Foundation
import Hummingbird
import Persistence

/// Who may call the admin API: `admin` may do anything, `viewer` may only read.
public enum APIRole: String, Sendable {
    case admin, viewer
}

/// The API tokens of a service, from `HOSTWIRE_API_TOKENS` (`role:token,role:token`).
public struct APITokens: Sendable {
    private let roles: [(digest: [UInt8], role: APIRole)]

    public init(_ entries: [(role: APIRole, token: String)]) {
        roles = entries.map { (Array(SHA256.hash(data: Data($0.token.utf8))), $0.role) }
    }

    public init(parsing text: String) throws {
        var entries: [(APIRole, String)] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let role = APIRole(rawValue: parts[0]), parts[1].count >= 16 else {
                throw SettingsError("HOSTWIRE_API_TOKENS entries are role:token with role admin or viewer and a token of 16+ characters")
            }
            entries.append((role, parts[1]))
        }
        self.init(entries)
    }

    /// The role of `token`; digests compared in constant time so timing says nothing.
    func role(of token: Substring) -> APIRole? {
        let digest = Array(SHA256.hash(data: Data(token.utf8)))
        var found: APIRole?
        for entry in roles {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, digest) { difference |= a ^ b }
            if difference == 0 { found = entry.role }
        }
        return found
    }
}

/// Requires `Authorization: Bearer <token>`: 401 without a known token, 403 when a
/// viewer token asks to change something.
public struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: APITokens

    public init(tokens: APITokens) {
        self.tokens = tokens
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              let role = tokens.role(of: header.dropFirst(7)) else {
            throw APIError(.unauthorized, code: "unauthorized", "a valid bearer token is required")
        }
        if role != .admin && ![.get, .head].contains(request.method) {
            throw APIError(.forbidden, code: "forbidden", "this token may only read; changes need the admin role")
        }
        return try await next(request, context)
    }
}
