import Contracts
import Foundation
import Hummingbird
import Money

/// Changing a service's plan: the other plans at the service's cycle and currency, then the
/// price of the change for the days left (from billing, which prices it from checkout's
/// catalog) before confirming. An upgrade goes on to its invoice, paid on the hosted page;
/// a downgrade's credit is on the balance at once.
struct PlanChangePagesController: Sendable {
    let pages: PageRenderer
    let services: ServiceAPIs
    let link: CustomerLink

    func addRoutes(to router: RouterGroup<PortalRequestContext>) {
        router.get("services/{id}/plan", use: show)
        router.post("services/{id}/plan", use: change)
    }

    @Sendable func show(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let (subscription, session) = try await changeable(context)
        async let products = services.products()
        var values: [String: Any] = [
            "title": "Change the plan of \(subscription.domain ?? subscription.productName)",
            "id": subscription.id.uuidString.lowercased(), "domain": subscription.domain ?? subscription.productName,
            "current": subscription.productName,
            "current_price": "\(MoneyText.format(subscription.amount, subscription.currency)) \(subscription.cycle)",
        ]
        values["plans"] = try await products.filter { $0.type == "hosting" && $0.name != subscription.productName }
            .compactMap { product -> [String: Any]? in
                guard
                    let price = product.prices.first(where: {
                        $0.billingCycle == subscription.cycle && $0.currency == subscription.currency
                    })
                else { return nil }
                return [
                    "id": product.id.uuidString.lowercased(), "name": product.name,
                    "price": "\(MoneyText.format(price.amount, price.currency)) \(subscription.cycle)",
                    "higher": price.amount > subscription.amount,
                ]
            }
        if let chosen = request.uri.queryParameters.get("product", as: UUID.self) {
            guard let quote = try await services.planChangeQuote(subscription.id, to: chosen, session) else {
                throw PortalError.notFound
            }
            values["quote"] = Self.values(quote)
        }
        return pages.render("change-plan", values, context: context)
    }

    @Sendable func change(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let (subscription, session) = try await changeable(context)
        guard let product = UUID(uuidString: context.form.text("product_id")) else { throw PortalError.notFound }
        do {
            let outcome = try await services.changePlan(subscription.id, to: product, session)
            if let invoice = outcome.invoiceID {
                return Response.redirect(to: "/invoices/\(invoice.uuidString.lowercased())", type: .normal)
            }
            return Response.redirect(to: "/services?plan_changed=1", type: .normal)
        } catch let error as ServiceCallError where error.status == 409 {
            throw PortalError(.conflict, error.message ?? "This service's plan cannot change now.")
        }
    }

    private func changeable(_ context: PortalRequestContext) async throws -> (Subscription, PortalSession) {
        let session = try await link.session(context)
        guard let id = context.parameters.get("id", as: UUID.self),
            let subscription = try await services.subscriptions(session).first(where: { $0.id == id }),
            subscription.status == "active", subscription.cancelOn == nil
        else { throw PortalError.notFound }
        return (subscription, session)
    }

    private static func values(_ quote: PlanChangeQuote) -> [String: Any] {
        let money = { (amount: Int) in MoneyText.format(amount, quote.currency) }
        return [
            "product_id": quote.toProductID.uuidString.lowercased(), "name": quote.toProductName,
            "upgrade": quote.direction == "upgrade", "prorated": money(quote.prorated), "tax": money(quote.tax),
            "has_tax": quote.tax > 0, "total": money(quote.total), "days_left": quote.daysLeft,
            "days": quote.daysInPeriod, "period_end": quote.periodEnd,
            "new_price": "\(money(quote.newAmount)) \(quote.cycle)",
        ]
    }
}
