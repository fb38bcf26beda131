import DNS
import Foundation
import HTTPSupport
import Hummingbird
import Persistence
import PostgresNIO
import ServiceKit

/// `/api/dnsssl`: zones with their records and drift from the DNS server, record edits
/// (stored, then applied through the same adapter), certificates, and forced re-issue.
struct DNSSSLController: Sendable {
    let dependencies: ServiceDependencies
    let settings: DNSSSLSettings

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        let (store, database, logger) = (dependencies.store, dependencies.database, dependencies.logger)
        TasksController<ServiceRequestContext>(store: store, registry: dependencies.taskRegistry).addRoutes(to: api)
        api.get("zones") { request, _ in
            let paging = try Paging(request)
            return APIResponse.json(
                try await ZoneStore.listing(
                    id: nil, domain: request.uri.queryParameters.get("domain"),
                    limit: paging.perPage, offset: paging.offset, in: database))
        }
        api.get("zones/{id}") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard var zone = try await ZoneStore.listing(id: id, domain: nil, limit: 1, offset: 0, in: database).first
            else {
                throw APIError.notFound("zone")
            }
            let records = try await database.transaction { try await ZoneStore.records(of: id, on: $0, logger: logger) }
            zone.records = records
            zone.drift = await drift(zone.domain, records)
            return APIResponse.json(zone)
        }
        let edits = ZoneEdits(store: store)
        api.put("zones/{id}/records") { request, context in
            let set = try ZoneEdits.validated(try await APIResponse.decode(ZoneEdits.RecordEdit.self, from: request))
            try await edits.save(set, in: try context.parameters.require("id", as: UUID.self), of: nil)
            return APIResponse.json(set)
        }
        api.delete("zones/{id}/records") { request, context in
            let (name, type) = try ZoneEdits.recordSet(
                name: request.uri.queryParameters.get("name"), type: request.uri.queryParameters.get("type"))
            try await edits.delete(
                name: name, type: type, in: try context.parameters.require("id", as: UUID.self), of: nil)
            return Response(status: .noContent)
        }
        api.post("zones/{id}/sync") { _, context in
            try await edits.sync(try context.parameters.require("id", as: UUID.self))
            return Response(status: .accepted)
        }
        api.get("certificates") { request, _ in
            let paging = try Paging(request)
            var expiring: Int?
            if let text = request.uri.queryParameters.get("expiring_within_days") {
                guard let days = Int(text), (0...3650).contains(days) else {
                    throw APIError.invalid("expiring_within_days", "expiring_within_days is 0 to 3650")
                }
                expiring = days
            }
            return APIResponse.json(
                try await CertificateStore.listing(
                    id: nil, domain: request.uri.queryParameters.get("domain"), expiringWithin: expiring,
                    limit: paging.perPage, offset: paging.offset, withPEM: false, in: database))
        }
        api.get("certificates/{id}") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard
                let certificate = try await CertificateStore.listing(
                    id: id, domain: nil, limit: 1, offset: 0, withPEM: true, in: database
                ).first
            else {
                throw APIError.notFound("certificate")
            }
            return APIResponse.json(certificate)
        }
        api.post("certificates/{id}/reissue") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            let fresh = try await store.transaction { try await CertificateStore.reissue(id, in: $0) }
            guard let fresh else { throw APIError.notFound("certificate of an active zone") }
            return APIResponse.json(["certificate_id": fresh], status: .accepted)
        }
    }

    private func drift(_ domain: String, _ desired: [DNSRecordSet]) async -> ZoneListing.Drift {
        guard let live = try? await settings.dns.zone(domain) else {
            return ZoneListing.Drift(reachable: false, missing: desired, different: [], unexpected: [])
        }
        let diff = ZoneDiff(desired: desired, live: live)
        return ZoneListing.Drift(
            reachable: true, missing: diff.missing, different: diff.different, unexpected: diff.unexpected)
    }
}

extension NoActiveZone: APIErrorConvertible {
    var apiError: APIError { .notFound("active zone") }
}
