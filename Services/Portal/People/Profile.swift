import Foundation

/// What a customer tells about themselves for their invoices.
struct Profile: Sendable, Equatable {
    var name: String
    var company: String?
    var address: String?
    var city: String?
    var postalCode: String?
    /// ISO 3166-1 alpha-2, upper case.
    var country: String?
    var vatID: String?
    /// When they asked to be forgotten, if they did.
    var erasureRequestedAt: Date?
    /// When staff carried it out.
    var erasedAt: Date?

    /// The field-by-field problems of a profile as a person typed it; empty when it can be stored.
    static func problems(
        name: String, company: String, address: String, city: String, postalCode: String, country: String,
        vatID: String
    ) -> [String] {
        var problems: [String] = []
        let trimmedName = name.trimmingCharacters(in: .whitespaces)
        if trimmedName.isEmpty || trimmedName.count > 100 { problems.append("Your name is 1 to 100 characters.") }
        for (label, value, limit) in [
            ("Company", company, 100), ("Address", address, 200), ("City", city, 100),
            ("Postal code", postalCode, 20),
        ] where value.count > limit {
            problems.append("\(label) is at most \(limit) characters.")
        }
        if !country.isEmpty, country.range(of: "^[A-Za-z]{2}$", options: .regularExpression) == nil {
            problems.append("Country is its two-letter code, such as DE or US.")
        }
        // An EU VAT number: the country prefix, then 2 to 13 letters or digits (VIES checks the rest).
        if !vatID.isEmpty,
            vatID.replacingOccurrences(of: " ", with: "").range(
                of: "^[A-Za-z]{2}[A-Za-z0-9]{2,13}$",
                options: .regularExpression) == nil
        {
            problems.append("A VAT number starts with its country code, such as DE123456789.")
        }
        return problems
    }
}
