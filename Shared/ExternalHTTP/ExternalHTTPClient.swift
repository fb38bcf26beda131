import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Calls another system's HTTP API with a deadline, turning every way a call can fail
/// into an ``ExternalCallError`` the caller can classify.
public struct ExternalHTTPClient: Sendable {
    public var baseURL: String
    public var timeout: Duration
    let client: HTTPClient

    public init(baseURL: String, timeout: Duration = .seconds(30), client: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.timeout = timeout
        self.client = client
    }

    /// Sends one request to `path` (with its query) and returns the status and body.
    public func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [],
        body: String? = nil, contentType: String? = nil
    ) async throws -> ExternalResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType ?? "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout / .milliseconds(1))))
            let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
            var headers: [String: String] = [:]
            for (name, value) in response.headers { headers[name.lowercased()] = value }
            return ExternalResponse(status: Int(response.status.code), headers: headers, bytes: bytes)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw ExternalCallError.timedOut(method: method.rawValue, path: Self.redacted(path))
        } catch {
            throw ExternalCallError.unreachable(method: method.rawValue, path: Self.redacted(path), reason: "\(error)")
        }
    }

    /// The path without its query, which may carry secrets.
    static func redacted(_ path: String) -> String {
        path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
    }
}

/// What came back from an external call.
public struct ExternalResponse: Sendable {
    public let status: Int
    /// Header values by lower-cased name.
    public let headers: [String: String]
    /// The body as it came, for what is not text (a PDF).
    public let bytes: ByteBuffer
    public var body: String { String(buffer: bytes) }

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body.utf8))
    }
}

/// A call that produced no answer.
public enum ExternalCallError: Error, CustomStringConvertible, Sendable {
    case timedOut(method: String, path: String)
    case unreachable(method: String, path: String, reason: String)

    public var description: String {
        switch self {
        case .timedOut(let method, let path): "\(method) \(path) timed out"
        case .unreachable(let method, let path, let reason): "\(method) \(path) failed: \(reason)"
        }
    }
}

/// The request method type, so adapters need not import NIO themselves.
public typealias HTTPMethod = NIOHTTP1.HTTPMethod
