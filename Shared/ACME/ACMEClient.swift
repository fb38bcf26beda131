import AsyncHTTPClient
import Crypto
import ExternalHTTP
import Foundation
import NIOHTTP1
import NIOSSL
import Synchronization

/// An RFC 8555 ACME client for one account key: nonces kept from every reply, `badNonce`
/// retried with the fresh nonce the problem carries, POST-as-GET for every read.
public final class ACMEClient: Sendable {
    public let directoryURL: String
    let http: ExternalHTTPClient
    let jws: JWS
    private let state: Mutex<State>

    struct State {
        var directory: ACMEDirectory?
        var nonces: [String] = []
        var accountURL: String?
    }

    /// `accountURL`, when known, saves a `newAccount` round trip.
    public init(
        directoryURL: String, accountKey: P256.Signing.PrivateKey, accountURL: String? = nil,
        httpClient: HTTPClient = .shared, timeout: Duration = .seconds(30)
    ) {
        self.directoryURL = directoryURL
        http = ExternalHTTPClient(baseURL: "", timeout: timeout, client: httpClient)
        jws = JWS(key: accountKey)
        state = Mutex(State(accountURL: accountURL))
    }

    /// An HTTP client that trusts only the CA certificates in `file` (a test CA such as Pebble).
    public static func httpClient(trusting file: String) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(file)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    /// The TXT value for a dns-01 challenge's token: `b64url(SHA256(token "." thumbprint))`.
    public func dnsChallengeValue(token: String) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Data("\(token).\(jws.thumbprint)".utf8))))
    }

    /// What an http-01 challenge's URL must answer: the key authorization, `token "." thumbprint`.
    public func httpChallengeValue(token: String) -> String {
        "\(token).\(jws.thumbprint)"
    }

    public func directory() async throws -> ACMEDirectory {
        if let known = state.withLock({ $0.directory }) { return known }
        let response = try await send(.GET, directoryURL)
        guard response.status == 200, let directory = try? response.decode(ACMEDirectory.self) else {
            throw ACMEError.unavailable("directory \(directoryURL): HTTP \(response.status)")
        }
        state.withLock { $0.directory = directory }
        return directory
    }

    /// Registers the account key (or finds its existing account) and returns the account URL.
    @discardableResult
    public func account(contact: [String]) async throws -> String {
        if let known = state.withLock({ $0.accountURL }) { return known }
        let payload = try JSONSerialization.data(withJSONObject: ["termsOfServiceAgreed": true, "contact": contact])
        let response = try await post(try await directory().newAccount, payload, signedWithKey: true)
        guard let location = response.headers["location"] else {
            throw ACMEError.unavailable("newAccount: no Location")
        }
        state.withLock { $0.accountURL = location }
        return location
    }

    public func newOrder(names: [String]) async throws -> (url: String, order: ACMEOrder) {
        let identifiers = names.map { ["type": "dns", "value": $0] }
        let response = try await post(
            try await directory().newOrder, try JSONSerialization.data(withJSONObject: ["identifiers": identifiers]))
        guard let location = response.headers["location"] else { throw ACMEError.unavailable("newOrder: no Location") }
        return (location, try decode(ACMEOrder.self, response))
    }

    public func order(_ url: String) async throws -> ACMEOrder {
        try decode(ACMEOrder.self, try await post(url, nil))
    }

    public func authorization(_ url: String) async throws -> ACMEAuthorization {
        try decode(ACMEAuthorization.self, try await post(url, nil))
    }

    /// Tells the server the challenge is ready to be checked.
    public func respond(to challenge: String) async throws {
        _ = try await post(challenge, Data("{}".utf8))
    }

    /// Submits the CSR (DER); the order moves to `processing`, then `valid`.
    public func finalize(_ url: String, csr: [UInt8]) async throws -> ACMEOrder {
        try decode(
            ACMEOrder.self,
            try await post(url, try JSONSerialization.data(withJSONObject: ["csr": Base64URL.encode(csr)])))
    }

    /// The issued chain, PEM: the leaf first, then intermediates.
    public func download(_ url: String) async throws -> String {
        try await post(url, nil).body
    }

    private func decode<T: Decodable>(_ type: T.Type, _ response: ExternalResponse) throws -> T {
        guard let value = try? response.decode(T.self) else {
            throw ACMEError.unavailable("unexpected \(T.self) body: \(response.body.prefix(200))")
        }
        return value
    }

    /// POSTs a JWS (`nil` payload: POST-as-GET). A `badNonce` is retried with the nonce the
    /// problem reply carries; 5xx and no answer are `unavailable`; other problems are thrown.
    private func post(_ url: String, _ payload: Data?, signedWithKey: Bool = false) async throws -> ExternalResponse {
        var lastProblem: ACMEProblem?
        for _ in 0..<6 {
            let nonce = try await nextNonce()
            let kid = signedWithKey ? nil : try await accountURLForSigning()
            let body = try jws.sign(payload, url: url, nonce: nonce, kid: kid)
            let response = try await send(.POST, url, body: String(decoding: body, as: UTF8.self))
            if response.status < 400 { return response }
            guard let problem = try? response.decode(ACMEProblem.self) else {
                throw ACMEError.unavailable("\(url): HTTP \(response.status)")
            }
            if problem.type.hasSuffix(":badNonce") {
                lastProblem = problem
                continue
            }
            if response.status >= 500 { throw ACMEError.unavailable(problem.description) }
            throw ACMEError.problem(problem)
        }
        throw ACMEError.problem(lastProblem!)
    }

    private func accountURLForSigning() async throws -> String {
        if let known = state.withLock({ $0.accountURL }) { return known }
        return try await account(contact: [])
    }

    private func nextNonce() async throws -> String {
        if let nonce = state.withLock({ $0.nonces.popLast() }) { return nonce }
        let response = try await send(.HEAD, try await directory().newNonce)
        guard let nonce = response.headers["replay-nonce"] else {
            throw ACMEError.unavailable("newNonce: no Replay-Nonce")
        }
        return nonce
    }

    private func send(_ method: HTTPMethod, _ url: String, body: String? = nil) async throws -> ExternalResponse {
        let response: ExternalResponse
        do {
            response = try await http.send(method, url, body: body, contentType: "application/jose+json")
        } catch let error as ExternalCallError {
            throw ACMEError.unavailable(error.description)
        }
        if let nonce = response.headers["replay-nonce"] {
            state.withLock { $0.nonces = Array(($0.nonces + [nonce]).suffix(16)) }
        }
        if response.status >= 500 { throw ACMEError.unavailable("\(method) \(url): HTTP \(response.status)") }
        return response
    }
}
