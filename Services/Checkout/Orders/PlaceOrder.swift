import Foundation
import Money
import Validation

/// `POST /api/orders`: who buys what, for which domain, paid in which currency.
struct PlaceOrder: Decodable, Sendable {
    struct Customer: Decodable, Sendable {
        let email: String
        let name: String
        let company: String?
        let country: String?
        let vatID: String?
        enum CodingKeys: String, CodingKey {
            case email, name, company, country
            case vatID = "vat_id"
        }
    }

    let customer: Customer
    let productID: UUID
    let billingCycle: String
    let currency: String
    let domain: String?

    enum CodingKeys: String, CodingKey {
        case customer
        case productID = "product_id"
        case billingCycle = "billing_cycle"
        case currency, domain
    }

    /// The order after validation: normalised email and domain, known cycle.
    struct Valid: Sendable {
        let email: String
        let name: String
        let company: String?
        let country: String?
        var vatID: String? = nil
        let productID: UUID
        let billingCycle: String
        let currency: String
        let domain: String?
        /// An EU business in another member state than the seller's: no VAT charged (``EUVAT``).
        var reverseCharge = false
    }

    /// Checked and normalised; `seller` (the host's country) decides an EU reverse charge.
    func validated(seller: String?) throws -> Valid {
        let email = try EmailAddress(customer.email)
        let name = customer.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else {
            throw ValidationError("name", "customer name is 1 to 200 characters")
        }
        if let country = customer.country, country.range(of: "^[A-Z]{2}$", options: .regularExpression) == nil {
            throw ValidationError("country", "country is an ISO 3166 alpha-2 code in capitals")
        }
        let vatID = customer.vatID?.uppercased().filter { $0 != " " }
        if let vatID, vatID.range(of: "^[A-Z]{2}[A-Z0-9]{2,13}$", options: .regularExpression) == nil {
            throw ValidationError("vat_id", "vat_id starts with its country code, such as FR12345678901")
        }
        guard BillingCycle.all.contains(billingCycle) else {
            throw ValidationError("billing_cycle", "billing_cycle is monthly, quarterly, semi-annual or annual")
        }
        guard currency.range(of: "^[A-Z]{3}$", options: .regularExpression) != nil else {
            throw ValidationError("currency", "currency is an ISO 4217 code in capitals")
        }
        let normalized = try domain.map { try DomainName($0).ascii }
        return Valid(
            email: email.address.lowercased(), name: name, company: customer.company, country: customer.country,
            vatID: vatID, productID: productID, billingCycle: billingCycle, currency: currency, domain: normalized,
            reverseCharge: EUVAT.reverseCharge(seller: seller, country: customer.country, vatID: vatID))
    }
}
