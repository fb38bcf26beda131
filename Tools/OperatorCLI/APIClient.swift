import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Calls the services' admin APIs and turns their JSON error bodies into readable failures.
struct APIClient {
    let token: String?

    static let ports = ["checkout": 8081, "provisioning": 8082, "dnsssl": 8083, "mail": 8084, "billing": 8085, "timer": 8086,
                        "broker": 8090]

    init(token: String?) {
        self.token = token ?? ProcessInfo.processInfo.environment["HOSTWIRE_API_TOKEN"]
    }

    static func baseURL(_ service: String) -> String {
        ProcessInfo.processInfo.environment["HOSTWIRE_\(service.uppercased())_URL"] ?? "http://127.0.0.1:\(ports[service] ?? 80)"
    }

    /// Sends a request and returns the decoded JSON (or the text, for non-JSON answers).
    func call(_ method: HTTPMethod, _ service: String, _ path: String, body: [String: Any]? = nil) async throws -> Any {
        var request = HTTPClientRequest(url: Self.baseURL(service) + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: body))))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = Data((try await response.body.collect(upTo: 16 * 1024 * 1024)).readableBytesView)
        let value = data.isEmpty ? [String: Any]() : (try? JSONSerialization.jsonObject(with: data)) ?? String(decoding: data, as: UTF8.self)
        guard response.status.code < 400 else {
            let error = ((value as? [String: Any])?["error"] as? [String: Any])
            throw CLIError("\(service) answered \(response.status.code): \(error?["message"] as? String ?? "\(value)")")
        }
        return value
    }

    static func prettyJSON(_ value: Any) throws -> String {
        guard JSONSerialization.isValidJSONObject(value) else { return "\(value)" }
        return String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self)
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
