import Persistence

/// The host's own country (`HOSTWIRE_SELLER_COUNTRY`, ISO 3166-1 alpha-2), which checkout and
/// billing both need for the EU reverse charge; unset, nobody is reverse-charged.
public enum SellerCountry {
    public static func load(_ environment: Persistence.Environment) throws -> String? {
        guard let country = environment.optional("HOSTWIRE_SELLER_COUNTRY") else { return nil }
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isUppercase && $0.isLetter }) else {
            throw SettingsError("HOSTWIRE_SELLER_COUNTRY is an ISO 3166-1 alpha-2 code, such as DE")
        }
        return country
    }
}
