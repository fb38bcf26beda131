import Contracts
import Foundation
import HTTPSupport
import Hummingbird
import Money
import Persistence
import PortalTokens

/// `/api/customer/profile`: whom the customer's invoices are made out to. Each invoice copies
/// it when issued, so a change reaches the next invoice and never an issued one.
struct CustomerProfileController: Sendable {
    let customers: CustomerAuthentication
    let database: Database
    /// The host's country, for the EU reverse charge.
    let seller: String?

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.get("profile") { request, _ in
            let customer = try await customers.customer(request)
            guard let profile = try await CustomerStore.profile(of: customer, on: database) else {
                throw APIError.notFound("profile")
            }
            return APIResponse.json(profile)
        }
        api.put("profile") { request, _ in
            let claims = try await customers.claims(request)
            guard let customer = claims.customerID else { throw APIError.notFound("customer") }
            let profile = try await APIResponse.decode(BillTo.self, from: request).validated()
            try await CustomerStore.saveProfile(
                profile,
                reverseCharge: EUVAT.reverseCharge(seller: seller, country: profile.country, vatID: profile.vatID),
                of: customer, email: claims.email, on: database)
            return APIResponse.json(profile)
        }
    }
}
