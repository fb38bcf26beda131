import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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
    public func call(_ method: String, _ path: String, json body: Any? = nil, headers extra: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        request.timeoutInterval = 60
        for (name, value) in headers.merging(extra, uniquingKeysWith: { $1 }) { request.setValue(value, forHTTPHeaderField: name) }
        if let data = body as? Data {
            request.httpBody = data
        } else if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }
}
