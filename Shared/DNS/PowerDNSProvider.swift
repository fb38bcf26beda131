import ExternalHTTP
import Foundation
import NIOHTTP1

/// The PowerDNS Authoritative HTTP API (`/api/v1/servers/localhost/zones`, `X-API-Key`).
/// Zones are `Native` (no AXFR to secondaries); its own SOA serial rises on every change.
public struct PowerDNSProvider: DNSProvider {
    let http: ExternalHTTPClient
    let apiKey: String
    let server: String

    public init(baseURL: String, apiKey: String, server: String = "localhost", timeout: Duration = .seconds(10)) {
        http = ExternalHTTPClient(baseURL: baseURL, timeout: timeout)
        self.apiKey = apiKey
        self.server = server
    }

    struct Zone: Decodable {
        struct RRSet: Decodable {
            struct Record: Decodable {
                let content: String
                let disabled: Bool?
            }
            let name: String
            let type: String
            let ttl: Int?
            let records: [Record]
        }
        let rrsets: [RRSet]
    }

    public func zone(_ name: String) async throws -> [DNSRecordSet]? {
        let response = try await call(.GET, "/zones/\(name.absoluteDNSName)")
        if response.status == 404 { return nil }
        try check(response)
        guard let zone = try? response.decode(Zone.self) else {
            throw DNSError.unavailable("zone \(name): not a PowerDNS zone")
        }
        return zone.rrsets.map { set in
            DNSRecordSet(
                name: set.name, type: set.type, ttl: set.ttl ?? 3600,
                records: set.records.filter { $0.disabled != true }.map(\.content))
        }
    }

    public func createZone(_ name: String, nameservers: [String], records: [DNSRecordSet]) async throws {
        let body: [String: Any] = [
            "name": name.absoluteDNSName, "kind": "Native", "nameservers": nameservers.map(\.absoluteDNSName),
            "rrsets": records.filter { $0.type != "NS" }.map { rrset($0, changetype: nil) },
        ]
        let response = try await call(.POST, "/zones", json: body)
        if response.status == 409 { throw DNSError.exists }
        try check(response)
    }

    public func replace(_ records: [DNSRecordSet], in zone: String) async throws {
        guard !records.isEmpty else { return }
        try check(
            try await call(
                .PATCH, "/zones/\(zone.absoluteDNSName)",
                json: ["rrsets": records.map { rrset($0, changetype: "REPLACE") }]))
    }

    public func delete(_ sets: [DNSRecordSet.Key], in zone: String) async throws {
        guard !sets.isEmpty else { return }
        try check(
            try await call(
                .PATCH, "/zones/\(zone.absoluteDNSName)",
                json: [
                    "rrsets": sets.map { ["name": $0.name.absoluteDNSName, "type": $0.type, "changetype": "DELETE"] }
                ]))
    }

    public func deleteZone(_ name: String) async throws {
        let response = try await call(.DELETE, "/zones/\(name.absoluteDNSName)")
        if response.status == 404 { return }
        try check(response)
    }

    private func rrset(_ set: DNSRecordSet, changetype: String?) -> [String: Any] {
        var object: [String: Any] = [
            "name": set.name.absoluteDNSName, "type": set.type, "ttl": set.ttl,
            "records": set.records.map { ["content": $0, "disabled": false] },
        ]
        if let changetype { object["changetype"] = changetype }
        return object
    }

    private func call(_ method: HTTPMethod, _ path: String, json: [String: Any]? = nil) async throws -> ExternalResponse
    {
        let body = try json.map {
            String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self)
        }
        do {
            return try await http.send(
                method, "/api/v1/servers/\(server)\(path)", headers: [("X-API-Key", apiKey)],
                body: body, contentType: "application/json")
        } catch let error as ExternalCallError {
            throw DNSError.unavailable(error.description)
        }
    }

    /// 2xx passes; 4xx is refused with PowerDNS's reason (JSON `error` or plain text); 5xx is unavailable.
    private func check(_ response: ExternalResponse) throws {
        switch response.status {
        case 200..<300: return
        case 401, 403: throw DNSError.rejected("the API key was refused (HTTP \(response.status))")
        case 400..<500:
            struct Problem: Decodable { let error: String }
            throw DNSError.rejected((try? response.decode(Problem.self).error) ?? String(response.body.prefix(200)))
        default: throw DNSError.unavailable("HTTP \(response.status): \(response.body.prefix(200))")
        }
    }
}
