import Contracts
import Foundation
import Hummingbird
import Money
import Validation

/// Ordering from the storefront and the live order page: the form, the provider's payment
/// page, then each step from payment to welcome email as it happens.
struct OrderPagesController: Sendable {
    let pages: PageRenderer
    let services: ServiceAPIs
    let progress: OrderProgressRepository
    let people: any PersonRepository
    let publicURL: String

    func addRoutes(to router: RouterGroup<PortalRequestContext>) {
        router.get("order/{slug}", use: orderForm)
        router.post("order/{slug}", use: placeOrder)
        router.get("orders/{id}", use: orderPage)
        router.get("orders/{id}/progress", use: progressJSON)
        router.post("orders/{id}/pay", use: pay)
    }

    @Sendable func orderForm(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let product = try await self.product(context)
        return pages.render(
            "order", Self.formValues(product, cycle: "monthly", currency: "USD", domain: "", errors: []),
            context: context)
    }

    @Sendable func placeOrder(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard let session = context.person else { throw PortalError.notFound }
        let product = try await self.product(context)
        let form = context.form
        let (cycle, currency, domainText) = (form.text("billing_cycle"), form.text("currency"), form.text("domain"))
        var errors: [String] = []
        var status = HTTPResponse.Status.unprocessableContent
        let domain = try? DomainName(domainText)
        if domain == nil { errors.append("Please give a domain name such as example.com.") }
        if !product.prices.contains(where: { $0.billingCycle == cycle && $0.currency == currency }) {
            errors.append("Please choose how often to pay, and the currency.")
        }
        if errors.isEmpty, let domain {
            do {
                // Taxed by the profile's country and VAT number, as its renewals will be.
                let profile = try await people.profile(of: session.personID)
                let placed = try await services.placeOrder(
                    OrderRequest(
                        // Checkout fills in {ORDER_ID}: the order has no id before it is placed.
                        name: session.name, productID: product.id, billingCycle: cycle, currency: currency,
                        domain: domain.ascii, country: profile?.country, vatID: profile?.vatID,
                        successURL: "\(publicURL)/orders/{ORDER_ID}?paid=1", cancelURL: "\(publicURL)/orders/{ORDER_ID}"
                    ), session)
                return Self.toPayment(placed)
            } catch let error as ServiceCallError where error.code == "domain_already_ordered" {
                errors.append(
                    "\(domain.ascii) already has an order. If it is yours, see your services; otherwise choose another domain."
                )
            } catch let error as ServiceCallError where error.status == 422 {
                errors.append(error.message ?? "Please check the order.")
            } catch let error as ServiceCallError where error.status == 429 {
                errors.append("You have placed many orders in the last hour. Please try again later, or write to us.")
            } catch let error as ServiceCallError where error.code == "busy" {
                // The platform is finishing the orders already paid for: nothing was taken.
                status = .serviceUnavailable
                errors.append(
                    "We are busy setting up the accounts already ordered. Nothing was charged: please try again in a minute."
                )
            }
        }
        return pages.render(
            "order", Self.formValues(product, cycle: cycle, currency: currency, domain: domainText, errors: errors),
            context: context, status: status)
    }

    @Sendable func orderPage(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let (order, progress) = try await load(context)
        var values = Self.progress(order, progress).values
        values["pending"] = order.status == "pending_payment"
        values["title"] = "Order for \(order.domain ?? order.productName)"
        values["product"] = order.productName
        values["domain"] = order.domain ?? ""
        values["amount"] = MoneyText.format(order.amount, order.currency)
        values["cycle"] = StorefrontController.cycleNames[order.billingCycle] ?? order.billingCycle
        values["id"] = order.id.uuidString.lowercased()
        values["returned_from_payment"] =
            request.uri.queryParameters.get("paid") != nil && order.status == "pending_payment"
        return pages.render("order-status", values, context: context)
    }

    @Sendable func progressJSON(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let (order, progress) = try await load(context)
        return try Self.progress(order, progress).response()
    }

    @Sendable func pay(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard let session = context.person, let id = context.parameters.get("id", as: UUID.self) else {
            throw PortalError.notFound
        }
        do {
            let placed = try await services.paymentPage(
                for: id,
                ReturnURLs(
                    successURL: "\(publicURL)/orders/{ORDER_ID}?paid=1", cancelURL: "\(publicURL)/orders/{ORDER_ID}"),
                session)
            return Self.toPayment(placed)
        } catch let error as ServiceCallError where error.status == 404 {
            throw PortalError.notFound
        } catch let error as ServiceCallError where error.status == 409 {
            return Response.redirect(to: "/orders/\(id.uuidString.lowercased())", type: .normal)
        }
    }

    /// Off to the provider's page, or straight to the order when there is nothing to pay.
    private static func toPayment(_ placed: PlacedOrder) -> Response {
        let orderPath = "/orders/\(placed.order.id.uuidString.lowercased())"
        return Response.redirect(to: placed.paymentPage ?? orderPath, type: .normal)
    }

    private func product(_ context: PortalRequestContext) async throws -> Product {
        let slug = context.parameters.get("slug") ?? ""
        guard let product = try await services.products().first(where: { $0.slug == slug && $0.type == "hosting" })
        else {
            throw PortalError.notFound
        }
        return product
    }

    private func load(_ context: PortalRequestContext) async throws -> (CustomerOrder, OrderProgress) {
        guard let session = context.person, let id = context.parameters.get("id", as: UUID.self),
            let order = try await services.order(id, session)
        else { throw PortalError.notFound }
        return (order, try await progress.progress(of: id))
    }

    static func formValues(_ product: Product, cycle: String, currency: String, domain: String, errors: [String])
        -> [String: Any]
    {
        let currencies = Array(Set(product.prices.map(\.currency))).sorted()
        return [
            "title": "Order \(product.name)", "product": product.name, "slug": product.slug, "domain": domain,
            "errors": errors,
            "cycles": StorefrontController.cycleOrder.compactMap { name -> [String: Any]? in
                let prices = product.prices.filter { $0.billingCycle == name }
                guard !prices.isEmpty else { return nil }
                return [
                    "value": name, "label": "Every \(StorefrontController.cycleNames[name] ?? name)",
                    "checked": name == cycle,
                    "prices": prices.sorted { $0.currency < $1.currency }.map {
                        MoneyText.format($0.amount, $0.currency)
                    }
                    .joined(separator: " or "),
                ]
            },
            "currencies": currencies.map { ["code": $0, "selected": $0 == currency] },
        ]
    }

    /// The order's steps as the page and its JSON show them.
    static func progress(_ order: CustomerOrder, _ progress: OrderProgress) -> ProgressReport {
        var progress = progress
        if order.status == "paid", progress.finished[.paid] == nil { progress.finished[.paid] = order.paidAt ?? Date() }
        let message: String =
            switch order.status {
            case "pending_payment": "We are waiting for your payment."
            case "cancelled": "This order was cancelled."
            default:
                if progress.failed.contains(.account) {
                    "We could not set up this account automatically. We have been told and will write to you; nothing more is charged."
                } else if progress.isSettled {
                    "All done: your hosting is ready, and the welcome email is on its way to you."
                } else {
                    "Your hosting is being set up. This page follows each step as it happens."
                }
            }
        return ProgressReport(
            steps: progress.states.map {
                .init(id: $0.step.rawValue, label: $0.step.label, state: $0.state, at: $0.at)
            },
            message: message, settled: order.status != "paid" || progress.isSettled)
    }
}
