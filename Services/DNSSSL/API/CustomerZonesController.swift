import DNS
import Foundation
import Hummingbird
import Messaging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `/api/customer/zones`: the DNS zones of the customer the portal's token names, with their
/// records; the customer adds, replaces and removes record sets within ``ZoneEdits``' limits.
struct CustomerZonesController: Sendable {
    let store: ServiceStore
    let customers: CustomerAuthentication

    /// A zone as its owner sees it.
    struct CustomerZone: Encodable {
        let id: UUID, accountID: UUID, domain: String, status: String, nameservers: [String]
        var records: [Record]?
        enum CodingKeys: String, CodingKey {
            case id
            case accountID = "account_id"
            case domain, status, nameservers, records
        }
    }

    /// A record set, marked when it is one of Hostwire's defaults.
    struct Record: Encodable {
        let name: String, type: String, ttl: Int, contents: [String], managed: Bool
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        let edits = ZoneEdits(store: store)
        api.get("zones") { request, _ in
            let customer = try await customers.customer(request)
            return APIResponse.json(try await zones(of: customer, id: nil))
        }
        api.get("zones/{id}") { request, context in
            let customer = try await customers.customer(request)
            let id = try context.parameters.require("id", as: UUID.self)
            guard var zone = try await zones(of: customer, id: id).first else { throw APIError.notFound("zone") }
            zone.records = try await store.database.query(
                """
                SELECT name, type, ttl, contents, managed FROM records WHERE zone_id = \(id) ORDER BY name, type
                """
            ).map { row in
                let (name, type, ttl, contents, managed) = try row.decode((String, String, Int, [String], Bool).self)
                return Record(name: name, type: type, ttl: ttl, contents: contents, managed: managed)
            }
            return APIResponse.json(zone)
        }
        api.put("zones/{id}/records") { request, context in
            let customer = try await customers.customer(request)
            let set = try ZoneEdits.validated(try await APIResponse.decode(ZoneEdits.RecordEdit.self, from: request))
            try await edits.save(set, in: try context.parameters.require("id", as: UUID.self), of: customer)
            return APIResponse.json(set)
        }
        api.delete("zones/{id}/records") { request, context in
            let customer = try await customers.customer(request)
            let (name, type) = try ZoneEdits.recordSet(request)
            try await edits.delete(
                name: name, type: type, in: try context.parameters.require("id", as: UUID.self), of: customer)
            return Response(status: .noContent)
        }
    }

    private func zones(of customer: UUID, id: UUID?) async throws -> [CustomerZone] {
        try await store.database.query(
            """
            SELECT id, account_id, domain, status, nameservers FROM zones
            WHERE customer_id = \(customer) AND status IN ('pending', 'active') AND (\(id)::uuid IS NULL OR id = \(id))
            ORDER BY domain LIMIT 200
            """
        ).map { row in
            let (id, account, domain, status, nameservers) = try row.decode((UUID, UUID, String, String, [String]).self)
            return CustomerZone(id: id, accountID: account, domain: domain, status: status, nameservers: nameservers)
        }
    }
}
