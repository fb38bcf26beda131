import Contracts
import Foundation
import Hummingbird
import Money

/// The home page: what the host sells, at what price per cycle and currency.
struct StorefrontController: Sendable {
    let pages: PageRenderer
    let services: ServiceAPIs

    static let cycleNames = ["monthly": "month", "quarterly": "quarter", "semi-annual": "half year", "annual": "year"]
    static let cycleOrder = ["monthly", "quarterly", "semi-annual", "annual"]

    func addRoutes(to router: RouterGroup<PortalRequestContext>) {
        router.get("/") { _, context in
            let products = (try? await services.products()) ?? []
            let cards: [[String: Any]] = products.filter { $0.type == "hosting" }.map { product in
                let currencies = Array(Set(product.prices.map(\.currency))).sorted {
                    ($0 == "USD" ? "" : $0) < ($1 == "USD" ? "" : $1)
                }
                let monthly = product.prices.first { $0.billingCycle == "monthly" && $0.currency == currencies.first }
                return [
                    "name": product.name, "product_name": product.name, "slug": product.slug,
                    "from": monthly.map { MoneyText.format($0.amount, $0.currency) } ?? "",
                    "features": Self.features(product.limits),
                    "prices": Self.cycleOrder.compactMap { cycle -> [String: Any]? in
                        let amounts = currencies.compactMap { currency in
                            product.prices.first { $0.billingCycle == cycle && $0.currency == currency }
                                .map { MoneyText.format($0.amount, $0.currency) }
                        }
                        return amounts.isEmpty
                            ? nil
                            : ["cycle": Self.cycleNames[cycle] ?? cycle, "amounts": amounts.joined(separator: " · ")]
                    },
                ]
            }
            return pages.render(
                "home",
                [
                    "products": cards, "has_products": !cards.isEmpty, "catalog_down": products.isEmpty,
                    "title": "Web hosting",
                ], context: context)
        }
    }

    static func features(_ limits: [String: Int]) -> [String] {
        var features: [String] = []
        if let disk = limits["disk_mb"] { features.append("\(disk / 1024) GB of SSD storage") }
        if let boxes = limits["mailboxes"] {
            features.append(boxes == 0 ? "Unlimited mailboxes" : "\(boxes) mailboxes")
        }
        if let databases = limits["databases"] {
            features.append(databases == 0 ? "Unlimited databases" : "\(databases) databases")
        }
        features.append("Free TLS certificate, renewed for you")
        return features
    }
}
