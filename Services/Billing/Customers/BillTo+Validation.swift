import Contracts
import Foundation
import HTTPSupport

extension BillTo {
    /// The same profile with each field checked: 422 naming the first that is wrong.
    func validated() throws -> BillTo {
        func text(_ value: String?, _ field: String, _ limit: Int) throws -> String? {
            guard let value = value?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
            guard value.count <= limit, !value.contains(where: \.isNewline) || field == "address" else {
                throw APIError.invalid(field, "\(field) is at most \(limit) characters on one line")
            }
            return value
        }
        guard let name = try text(name, "name", 100) else { throw APIError.invalid("name", "name is required") }
        let country = try text(country, "country", 2)?.uppercased()
        if let country, country.range(of: "^[A-Z]{2}$", options: .regularExpression) == nil {
            throw APIError.invalid("country", "country is an ISO 3166-1 alpha-2 code")
        }
        let vatID = try text(vatID, "vat_id", 15)?.replacingOccurrences(of: " ", with: "").uppercased()
        if let vatID, vatID.range(of: "^[A-Z]{2}[A-Z0-9]{2,13}$", options: .regularExpression) == nil {
            throw APIError.invalid("vat_id", "vat_id starts with its country code, such as DE123456789")
        }
        return BillTo(
            name: name, company: try text(company, "company", 100), address: try text(address, "address", 200),
            city: try text(city, "city", 100), postalCode: try text(postalCode, "postal_code", 20), country: country,
            vatID: vatID, email: nil)
    }
}
