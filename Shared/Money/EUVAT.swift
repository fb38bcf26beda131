/// The EU's VAT rule for selling to businesses in another member state: the customer
/// accounts for the VAT (reverse charge, Article 196 of Directive 2006/112/EC), so the
/// invoice carries none and says why.
public enum EUVAT {
    /// The member states, by ISO 3166-1 alpha-2 code.
    public static let memberStates: Set<String> = [
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
        "MT",
        "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    ]

    /// The prefix of a member state's VAT numbers: its country code, but `EL` for Greece.
    public static func prefix(of country: String) -> String { country == "GR" ? "EL" : country }

    /// Whether a sale from `seller` to a customer in `country` with VAT number `vatID` is
    /// reverse-charged: both in the EU, in different member states, and a VAT number of the
    /// customer's state in a valid format (VIES would check that it exists).
    public static func reverseCharge(seller: String?, country: String?, vatID: String?) -> Bool {
        guard let seller, let country, let vatID, memberStates.contains(seller), memberStates.contains(country),
            seller != country
        else { return false }
        let number = vatID.uppercased().filter { $0 != " " }
        let body = number.dropFirst(2)
        return number.hasPrefix(prefix(of: country)) && (2...13).contains(body.count)
            && body.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}
