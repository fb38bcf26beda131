import Foundation
import HTTPSupport
import Hummingbird
import Persistence
import PortalTokens

/// `POST /api/customer/link`: the checkout customer of an email the portal has verified,
/// created if that email never ordered, so a person who signs up after ordering takes over
/// their orders and one who signs up first orders as the same customer.
struct CustomerLinkController: Sendable {
    let database: Database
    let customers: CustomerAuthentication

    struct LinkRequest: Decodable {
        let name: String
    }

    struct Linked: Encodable {
        let customerID: UUID
        enum CodingKeys: String, CodingKey { case customerID = "customer_id" }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.post("link") { request, context in
            let claims = try await customers.claims(request, scope: .link)
            let body = try await request.decode(as: LinkRequest.self, context: context)
            let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...200).contains(name.count) else { throw APIError.invalid("name", "name is 1 to 200 characters") }
            return APIResponse.json(
                Linked(customerID: try await CustomerStore(database: database).link(claims.email, name: name)))
        }
    }
}
