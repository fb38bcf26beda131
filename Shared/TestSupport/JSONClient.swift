import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Calls a service's HTTP API from a test: JSON in, status and JSON out.
public struct JSONClient: Sendable {
    public let baseURL: String
    public var headers: [String: String]

    public init(port: Int, headers: [String: String] = [:]) {
        baseURL = "http://127.0.0.1:\(port)"
        self.headers = headers
    }

    public struct Reply: Sendable {
        public let status: Int
        public let body: Data
        /// The body as a JSON object (empty when it is not one).
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        public var array: [[String: Any]] { (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] ?? [] }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Sends `body` (a JSON value, or raw `Data`) and returns the reply, whatever its status.
    @discardableResult
    public func call(
        _ method: String, _ path: String, json body: Any? = nil, headers extra: [String: String] = [:],
        timeout: Duration = .seconds(60)
    ) async throws -> Reply {
        // AsyncHTTPClient, not URLSession: Foundation's URLSession on Linux can trap when a
        // request is cancelled as it finishes (seen in CI: "a task that is not in the registry").
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers.merging(extra, uniquingKeysWith: { $1 }) {
            request.headers.replaceOrAdd(name: name, value: value)
        }
        if let data = body as? Data {
            request.body = .bytes(ByteBuffer(bytes: data))
        } else if let body {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        }
        return try await Self.send(request, timeout: timeout)
    }

    /// Sends `request` and collects the whole reply.
    public static func send(_ request: HTTPClientRequest, timeout: Duration) async throws -> Reply {
        let response = try await HTTPClient.shared.execute(
            request, timeout: .milliseconds(Int64(timeout / .milliseconds(1))))
        let body = try await response.body.collect(upTo: 256 * 1024 * 1024)
        return Reply(status: Int(response.status.code), body: Data(body.readableBytesView))
    }
}
