/// A product as an admin adds it, with its first prices.
struct NewProduct: Decodable, Sendable {
    let slug: String
    let name: String
    let type: String
    let panelPlan: String?
    let serverGroup: String?
    let limits: [String: Int]?
    let prices: [Price]

    enum CodingKeys: String, CodingKey {
        case slug, name, type
        case panelPlan = "panel_plan"
        case serverGroup = "server_group"
        case limits, prices
    }
}
