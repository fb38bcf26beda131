import ControlPanels
import Foundation
import HTTPSupport
import Hummingbird
import Validation

/// `/api/servers`: register, list, show, change (drain, capacity, credentials), remove,
/// and check a server's panel API.
struct ServersController: Sendable {
    let servers: ServerStore
    let health: ServerHealthCheck

    struct NewServer: Decodable, Sendable {
        let name: String
        let panel: PanelKind
        let hostname: String
        let ip: String
        let apiURL: String
        let apiUsername: String
        let apiSecret: String
        let group: String?
        let maxAccounts: Int
        let nameservers: [String]?

        enum CodingKeys: String, CodingKey {
            case name, panel, hostname, ip
            case apiURL = "api_url"
            case apiUsername = "api_username"
            case apiSecret = "api_secret"
            case group = "server_group"
            case maxAccounts = "max_accounts"
            case nameservers
        }

        func validate() throws {
            guard (1...100).contains(name.count) else { throw APIError.invalid("name", "name is 1 to 100 characters") }
            do {
                _ = try DomainName(hostname)
                for nameserver in nameservers ?? [] { _ = try DomainName(nameserver) }
            } catch { throw APIError.invalid("hostname", error.message) }
            guard isIPv4Address(ip) else { throw APIError.invalid("ip", "ip is an IPv4 address") }
            guard let url = URL(string: apiURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw APIError.invalid("api_url", "api_url is an http(s) URL")
            }
            guard !apiUsername.isEmpty, !apiSecret.isEmpty else {
                throw APIError.invalid("api_secret", "api_username and api_secret are required")
            }
            guard maxAccounts > 0 else { throw APIError.invalid("max_accounts", "max_accounts is positive") }
        }
    }

    struct ServerChange: Decodable, Sendable {
        let status: String?
        let maxAccounts: Int?
        let apiURL: String?
        let apiUsername: String?
        let apiSecret: String?
        let nameservers: [String]?

        enum CodingKeys: String, CodingKey {
            case status
            case maxAccounts = "max_accounts"
            case apiURL = "api_url"
            case apiUsername = "api_username"
            case apiSecret = "api_secret"
            case nameservers
        }

        func validate() throws {
            if let status, !["active", "draining", "disabled"].contains(status) {
                throw APIError.invalid("status", "status is active, draining or disabled")
            }
            if let maxAccounts, maxAccounts <= 0 { throw APIError.invalid("max_accounts", "max_accounts is positive") }
        }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.get("servers") { _, _ in APIResponse.json(try await servers.all()) }
        api.post("servers") { request, _ in
            let new = try await APIResponse.decode(NewServer.self, from: request)
            try new.validate()
            let id = try await servers.create(new)
            return APIResponse.json(try await servers.server(id), status: .created)
        }
        api.get("servers/{id}") { _, context in APIResponse.json(try await server(context)) }
        api.patch("servers/{id}") { request, context in
            let id = try context.parameters.require("id", as: UUID.self)
            let change = try await APIResponse.decode(ServerChange.self, from: request)
            try change.validate()
            guard try await servers.update(id, change) else { throw APIError.notFound("server") }
            return APIResponse.json(try await servers.server(id))
        }
        api.delete("servers/{id}") { _, context in
            guard try await servers.delete(try context.parameters.require("id", as: UUID.self)) else {
                throw APIError.notFound("server")
            }
            return Response(status: .noContent)
        }
        api.get("servers/{id}/health") { _, context in
            let outcome = try await health.check(try await server(context))
            return APIResponse.json(
                HealthReport(
                    healthy: outcome.error == nil, version: outcome.health?.version,
                    accounts: outcome.health?.accounts, error: outcome.error,
                    milliseconds: outcome.elapsed / .milliseconds(1)),
                status: outcome.error == nil ? .ok : .badGateway)
        }
        api.post("servers/reseal-credentials") { _, _ in
            APIResponse.json(["resealed": try await servers.resealCredentials()])
        }
    }

    struct HealthReport: Encodable {
        let healthy: Bool
        let version: String?
        let accounts: Int?
        let error: String?
        let milliseconds: Double
    }

    private func server(_ context: ServiceRequestContext) async throws -> Server {
        guard let server = try await servers.server(try context.parameters.require("id", as: UUID.self)) else {
            throw APIError.notFound("server")
        }
        return server
    }
}

/// Whether `text` is a dotted-quad IPv4 address.
func isIPv4Address(_ text: String) -> Bool {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    return parts.count == 4
        && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isNumber) && (Int(part) ?? 256) <= 255
        }
}

extension ServerRefusal: APIErrorConvertible {
    var apiError: APIError {
        switch self {
        case .nameTaken(let name): .conflict("name_taken", "a server named \(name) exists")
        case .inUse(let live): .conflict("server_in_use", "the server has \(live) live accounts; drain it first")
        }
    }
}
