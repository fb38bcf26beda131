import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Calls the services' admin APIs and turns their JSON error bodies into readable failures.
///
/// The token is a bootstrap token, or a staff member's API key (`hwk_…`), which is first
/// exchanged at the portal for a five-minute staff token: the services then enforce the
/// staff member's role and the key's scopes, and record them as who acted.
struct APIClient {
    let token: String?

    static let ports = [
        "checkout": 8081, "provisioning": 8082, "dnsssl": 8083, "mail": 8084, "billing": 8085, "timer": 8086,
        "portal": 8087, "broker": 8090,
    ]

    init(token: String?) {
        self.token = token ?? ProcessInfo.processInfo.environment["HOSTWIRE_API_TOKEN"]
    }

    static func baseURL(_ service: String) -> String {
        ProcessInfo.processInfo.environment["HOSTWIRE_\(service.uppercased())_URL"]
            ?? "http://127.0.0.1:\(ports[service] ?? 80)"
    }

    /// Sends a request and returns the decoded JSON (or the text, for non-JSON answers).
    func call(_ method: HTTPMethod, _ service: String, _ path: String, body: [String: Any]? = nil) async throws -> Any {
        try await send(method, service, path, body: body, authorization: try await bearer())
    }

    private func send(
        _ method: HTTPMethod, _ service: String, _ path: String, body: [String: Any]?,
        authorization: String?
    ) async throws -> Any {
        var request = HTTPClientRequest(url: Self.baseURL(service) + path)
        request.method = method
        if let authorization { request.headers.add(name: "Authorization", value: "Bearer \(authorization)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: body))))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = Data((try await response.body.collect(upTo: 16 * 1024 * 1024)).readableBytesView)
        let value =
            data.isEmpty
            ? [String: Any]() : (try? JSONSerialization.jsonObject(with: data)) ?? String(decoding: data, as: UTF8.self)
        guard response.status.code < 400 else {
            let error = ((value as? [String: Any])?["error"] as? [String: Any])
            throw CLIError("\(service) answered \(response.status.code): \(error?["message"] as? String ?? "\(value)")")
        }
        return value
    }

    /// The token to send: an API key is exchanged for a staff token.
    private func bearer() async throws -> String? {
        guard let token, token.hasPrefix("hwk_") else { return token }
        let answer = try await APIClient(token: nil).send(
            .POST, "portal", "/api/portal/staff/token", body: nil, authorization: token)
        guard let staffToken = (answer as? [String: Any])?["token"] as? String else {
            throw CLIError("the portal gave no staff token")
        }
        return staffToken
    }

    static func prettyJSON(_ value: Any) throws -> String {
        guard JSONSerialization.isValidJSONObject(value) else { return "\(value)" }
        return String(
            decoding: try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys]),
            as: UTF8.self)
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
