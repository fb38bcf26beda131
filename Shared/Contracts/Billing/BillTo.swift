/// Whom a customer's invoices are made out to, as they gave it (billing's
/// `/api/customer/profile`); each invoice keeps a copy made when it was issued (`bill_to`).
public struct BillTo: Codable, Sendable, Equatable {
    public var name: String
    public var company: String?
    public var address: String?
    public var city: String?
    public var postalCode: String?
    /// ISO 3166-1 alpha-2, upper case; picks the tax rate.
    public var country: String?
    public var vatID: String?
    /// Only on an invoice's copy: where it was sent.
    public var email: String?

    public init(
        name: String, company: String? = nil, address: String? = nil, city: String? = nil, postalCode: String? = nil,
        country: String? = nil, vatID: String? = nil, email: String? = nil
    ) {
        self.name = name
        self.company = company
        self.address = address
        self.city = city
        self.postalCode = postalCode
        self.country = country
        self.vatID = vatID
        self.email = email
    }

    /// The address block, in the order a letter has it.
    public var addressLines: [String] {
        let place = [postalCode, city].compactMap { $0 }.joined(separator: " ")
        return [
            name, company ?? "", address ?? "", place, country ?? "", vatID.map { "VAT \($0)" } ?? "", email ?? "",
        ].filter { !$0.isEmpty }
    }

    enum CodingKeys: String, CodingKey {
        case name, company, address, city
        case postalCode = "postal_code"
        case country
        case vatID = "vat_id"
        case email
    }
}
