import ControlPanels
import Foundation
import HTTPSupport
import Hummingbird
import PostgresNIO
import ProvisioningService
import Secrets
import ServiceKit
import TestSupport
import Testing

/// Provisioning's admin API: bearer roles, validation, and credentials sealed at rest.
@Suite struct ProvisioningAPITests {
    static let admin = "admin-token-0123456789abcdef", viewer = "viewer-token-0123456789abcdef"

    static func definition() throws -> ServiceDefinition {
        buildProvisioning(
            ProvisioningSettings(
                cipher: try CredentialCipher(ring: "k1=\(CredentialCipher.generateKey())"), mailSealer: nil,
                apiTokens: APITokens([(.admin, admin), (.viewer, viewer)]), panelTimeout: .seconds(2)))
    }

    static var server: [String: Any] {
        [
            "name": "whm9", "panel": "cpanel", "hostname": "whm9.example.net", "ip": "203.0.113.9",
            "api_url": "http://127.0.0.1:1", "api_username": "root", "api_secret": "TOKEN-PLAINTEXT-123",
            "max_accounts": 300, "nameservers": ["ns1.example.net"],
        ]
    }

    @Test func rolesAreEnforced() async throws {
        try await TestDatabase.with(services: ["provisioning"]) { database in
            try await withRouter(try Self.definition(), database: database) { client in
                for path in ["/api/servers", "/api/provisioning/tasks", "/api/provisioning/stats", "/api/accounts"] {
                    let anonymous = try await client.json(.get, path)
                    #expect(anonymous.status == .unauthorized, "\(path)")
                    #expect(errorCode(anonymous.json) == "unauthorized")
                    #expect(try await client.json(.get, path, token: Self.viewer).status == .ok, "\(path)")
                }
                #expect(
                    try await client.json(.post, "/api/servers", Self.server, token: Self.viewer).status == .forbidden)
                #expect(
                    try await client.json(.delete, "/api/provisioning/failed", token: Self.viewer).status == .forbidden)
                #expect(try await client.json(.delete, "/api/provisioning/failed", token: Self.admin).status == .ok)
            }
        }
    }

    @Test func serverCredentialsAreSealedAndNeverShown() async throws {
        try await TestDatabase.with(services: ["provisioning"]) { database in
            try await withRouter(try Self.definition(), database: database) { client in
                let created = try await client.json(.post, "/api/servers", Self.server, token: Self.admin)
                #expect(created.status == .created)
                #expect(!created.text.contains("TOKEN-PLAINTEXT"))
                #expect(created.json["accounts"] as? Int == 0)
                let listed = try await client.json(.get, "/api/servers", token: Self.admin)
                #expect(!listed.text.contains("TOKEN-PLAINTEXT") && !listed.text.contains("sealed"))
                let stored = try await database.withAdmin { client in
                    try await client.query(
                        "SELECT api_secret_sealed FROM provisioning.servers", logger: TestDatabase.logger
                    )
                    .collect().first!.decode(String.self)
                }
                #expect(stored.hasPrefix("k1:") && !stored.contains("TOKEN-PLAINTEXT"))
                #expect(
                    try await client.json(.post, "/api/servers", Self.server, token: Self.admin).status == .conflict)
                let id = try #require(created.json["id"] as? String)
                let drained = try await client.json(
                    .patch, "/api/servers/\(id)", ["status": "draining"], token: Self.admin)
                #expect(drained.json["status"] as? String == "draining")
                #expect(
                    try await client.json(.patch, "/api/servers/\(id)", ["status": "sleeping"], token: Self.admin)
                        .status
                        == .unprocessableContent)
                // The panel is not there: the health check says so, with the reason.
                let health = try await client.json(.get, "/api/servers/\(id)/health", token: Self.admin)
                #expect(health.status == .badGateway)
                #expect(health.json["healthy"] as? Bool == false)
                #expect(try await client.json(.delete, "/api/servers/\(id)", token: Self.admin).status == .noContent)
                #expect(try await client.json(.get, "/api/servers/\(id)", token: Self.admin).status == .notFound)
            }
        }
    }

    @Test func badInputIsRefusedAndChangesNothing() async throws {
        try await TestDatabase.with(services: ["provisioning"]) { database in
            try await withRouter(try Self.definition(), database: database) { client in
                func post(_ change: [String: Any]) async throws -> (status: HTTPResponse.Status, code: String?) {
                    let reply = try await client.json(
                        .post, "/api/servers", Self.server.merging(change) { $1 }, token: Self.admin)
                    return (reply.status, errorCode(reply.json))
                }
                let badIP = try await post(["ip": "300.1.1.1"])
                #expect(badIP.status == .unprocessableContent && badIP.code == "invalid_ip")
                #expect(try await post(["panel": "webmin"]).status == .badRequest)
                #expect(try await post(["max_accounts": 0]).code == "invalid_max_accounts")
                let account: [String: Any] = [
                    "customer_name": "Ada", "contact_email": "ada@shop.example", "domain": "shop..example",
                    "plan": "starter", "server_group": "default",
                ]
                #expect(
                    errorCode(
                        try await client.json(.post, "/api/provisioning/provision", account, token: Self.admin).json)
                        == "invalid_domain")
                #expect(
                    try await client.json(.get, "/api/provisioning/tasks?status=bogus", token: Self.admin).status
                        == .unprocessableContent)
                #expect(
                    try await client.json(.get, "/api/provisioning/tasks?per_page=0", token: Self.admin).status
                        == .unprocessableContent)
                #expect(
                    try await client.json(.get, "/api/provisioning/tasks/\(UUID())", token: Self.admin).status
                        == .notFound)
                #expect(
                    try await client.json(.post, "/api/provisioning/retry/\(UUID())", token: Self.admin).status
                        == .notFound)
                #expect(try await database.count("SELECT count(*)::int FROM provisioning.servers") == 0)
                #expect(try await database.count("SELECT count(*)::int FROM provisioning.accounts") == 0)
                #expect(try await database.count("SELECT count(*)::int FROM provisioning.tasks") == 0)
            }
        }
    }
}
