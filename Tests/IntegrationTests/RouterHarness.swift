import CheckoutService
import Delivery
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Persistence
import ServiceKit
import TestSupport

/// Runs a service's routes in-process against its real schema (`app.test(.router)`; `.live`:
/// on a real port, for another service to call).
func withRouter(
    _ definition: ServiceDefinition, database: TestDatabase, live: Bool = false,
    _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    let logger = Logger(label: "hostwire.test.\(definition.name)")
    try await withPostgresClient(database.settings(as: definition.name), logger: logger) { client in
        try await ServiceHost.migrate(
            definition.name, directory: Paths.root.appendingPathComponent("migrations/\(definition.name)"),
            client: client, logger: logger)
        let dependencies = ServiceDependencies(
            store: ServiceStore(
                database: Database.forTests(client: client, logger: logger), outbox: Outbox(source: definition.name)),
            taskRegistry: definition.tasks)
        let app = Application(router: ServiceHost.buildRouter(definition, dependencies: dependencies))
        try await app.test(live ? .live : .router, body)
    }
}

extension TestClientProtocol {
    /// Sends JSON (or nothing) and returns the status and the body parsed as a JSON object.
    func json(
        _ method: HTTPRequest.Method, _ uri: String, _ body: Any? = nil, token: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> (status: HTTPResponse.Status, json: [String: Any], text: String) {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var buffer: ByteBuffer?
        if let text = body as? String {
            buffer = ByteBuffer(string: text)
        } else if let body {
            buffer = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
        }
        if buffer != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: buffer) { response in
            let text = String(buffer: response.body)
            let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            return (response.status, json, text)
        }
    }
}

/// The `code` of a JSON error body.
func errorCode(_ json: [String: Any]) -> String? {
    (json["error"] as? [String: Any])?["code"] as? String
}
