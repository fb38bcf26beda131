import DNS
import Foundation
import HTTPSupport
import Hummingbird
import ServiceKit

/// `/api/customer/zones`: the DNS zones of the customer the portal's token names, with their
/// records; the customer adds, replaces and removes record sets within ``ZoneEdits``' limits.
struct CustomerZonesController: Sendable {
    let store: ServiceStore
    let customers: CustomerAuthentication

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        let edits = ZoneEdits(store: store)
        api.get("zones") { request, _ in
            let customer = try await customers.customer(request)
            return APIResponse.json(try await ZoneStore.zones(of: customer, id: nil, in: store.database))
        }
        api.get("zones/{id}") { request, context in
            let customer = try await customers.customer(request)
            let id = try context.parameters.require("id", as: UUID.self)
            guard var zone = try await ZoneStore.zones(of: customer, id: id, in: store.database).first else {
                throw APIError.notFound("zone")
            }
            zone.records = try await ZoneStore.customerRecords(of: id, in: store.database)
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
            let (name, type) = try ZoneEdits.recordSet(
                name: request.uri.queryParameters.get("name"), type: request.uri.queryParameters.get("type"))
            try await edits.delete(
                name: name, type: type, in: try context.parameters.require("id", as: UUID.self), of: customer)
            return Response(status: .noContent)
        }
    }
}
