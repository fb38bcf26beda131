import Contracts
import Foundation
import Hummingbird
import HummingbirdAuth
import Money

/// The signed-in customer's services and invoices, each read from the service that owns it
/// with a token naming this customer.
struct ClientAreaController: Sendable {
    let pages: PageRenderer
    let services: ServiceAPIs
    let people: any PersonRepository
    let publicURL: String

    func addRoutes(to router: RouterGroup<PortalRequestContext>) {
        router.get("services", use: hostingAccounts)
        router.get("services/cancel/{id}", use: cancellationForm)
        router.post("services/cancel/{id}", use: cancel)
        router.get("invoices", use: invoices)
        router.get("invoices/{id}", use: invoice)
        router.get("invoices/{id}/pdf", use: invoicePDF)
        router.post("invoices/{id}/pay", use: payInvoice)
        router.post("card", use: replaceCard)
    }

    /// Sends the customer to the provider's page to save a new card; back on the invoices page.
    @Sendable func replaceCard(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let session = try await linked(context)
        let page = try await services.cardSetupPage(
            ReturnURLs(
                successURL: "\(publicURL)/invoices?card=saved",
                cancelURL: "\(publicURL)/invoices"), session)
        return Response.redirect(to: page ?? "/invoices", type: .normal)
    }

    @Sendable func payInvoice(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let session = try await linked(context)
        guard let id = context.parameters.get("id", as: UUID.self) else { throw PortalError.notFound }
        let path = "/invoices/\(id.uuidString.lowercased())"
        do {
            let page = try await services.invoicePaymentPage(
                id,
                ReturnURLs(
                    successURL: "\(publicURL)\(path)?paid=1",
                    cancelURL: "\(publicURL)\(path)"), session)
            return Response.redirect(to: page ?? path, type: .normal)
        } catch let error as ServiceCallError where error.status == 404 {
            throw PortalError.notFound
        } catch let error as ServiceCallError where error.status == 409 {
            return Response.redirect(to: path, type: .normal)  // paid meanwhile: the page says so
        }
    }

    @Sendable func hostingAccounts(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let session = try await linked(context)
        async let subscriptionList = services.subscriptions(session)
        // Certificates are shown when DNS/SSL answers; the page does not depend on it.
        async let zoneList = try? services.zones(session)
        let accountList = try await services.accounts(session)
        let certificates = Dictionary(
            (await zoneList ?? []).compactMap { zone in zone.certificate.map { (zone.accountID, $0) } },
            uniquingKeysWith: { $1 })
        let byAccount = Dictionary(
            try await subscriptionList.compactMap { s in s.accountID.map { ($0, s) } }, uniquingKeysWith: { $1 })
        let accounts: [[String: Any]] = accountList.map { account in
            var row: [String: Any] = [
                "domain": account.domain, "plan": account.plan.capitalized, "status": Self.statusText(account.status),
                "status_class": account.status, "since": Self.day(account.provisionedAt ?? account.createdAt),
            ]
            if let server = account.server { row["server"] = server }
            if let username = account.username { row["username"] = username }
            if let order = account.orderID { row["order_id"] = order.uuidString.lowercased() }
            if let reason = account.suspendReason {
                if reason == "restore" {
                    // Paused by the restore itself for a few minutes, not suspended by anyone.
                    row["status"] = "Being restored"
                    row["status_class"] = "provisioning"
                } else {
                    row["suspend_reason"] = reason
                }
            }
            if account.status == "provisioning" { row["setting_up"] = true }
            if account.status == "active" { row["panel_id"] = account.id.uuidString.lowercased() }
            if ["active", "suspended"].contains(account.status) {
                row["password_id"] = account.id.uuidString.lowercased()
            }
            if account.status == "active" { row["dns_id"] = account.id.uuidString.lowercased() }
            if let usage = account.usage, ["active", "suspended"].contains(account.status) {
                row["usage"] =
                    [
                        "day": usage.day, "usage_id": account.id.uuidString.lowercased(),
                        "meters": [
                            Self.meter("Disk space", usage.diskMB, usage.diskLimitMB, domain: account.domain),
                            Self.meter(
                                "Traffic this month", usage.bandwidthMB, usage.bandwidthLimitMB, domain: account.domain),
                        ],
                    ] as [String: Any]
            }
            if let backups = account.backups, ["active", "suspended"].contains(account.status) {
                row["backups"] =
                    backups.latestAt.map { "Latest \(Self.day($0)), \(backups.kept) kept" }
                    ?? "The first is made tonight"
                row["backups_id"] = account.id.uuidString.lowercased()
            }
            if let certificate = certificates[account.id] {
                row["certificate"] =
                    switch (certificate.status, certificate.notAfter) {
                    case ("issued", let notAfter?): "Valid until \(Self.day(notAfter))"
                    case ("failed", _): "Not issued yet: we are on it"
                    default: "Being issued"
                    }
                row["certificate_ok"] = certificate.status == "issued"
            }
            if let subscription = byAccount[account.id], ["active", "suspended"].contains(subscription.status) {
                if let ends = subscription.cancelOn {
                    row["ends_on"] = ends
                } else {
                    row["renews_on"] = subscription.nextDue
                    row["renewal"] = MoneyText.format(subscription.amount, subscription.currency)
                    row["cancel_id"] = subscription.id.uuidString.lowercased()
                    if subscription.status == "active" { row["plan_id"] = subscription.id.uuidString.lowercased() }
                }
            }
            return row
        }
        return pages.render(
            "services",
            [
                "accounts": accounts, "has_accounts": !accounts.isEmpty, "title": "Services",
                "plan_changed": request.uri.queryParameters.get("plan_changed") == "1",
            ],
            context: context)
    }

    @Sendable func invoices(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let session = try await linked(context)
        async let invoices = services.invoices(session)
        async let balance = services.balance(session)
        async let card = services.card(session)
        let rows: [[String: Any]] = try await invoices.reversed().map { invoice in
            [
                "id": invoice.id.uuidString.lowercased(), "number": invoice.number, "issued_on": invoice.issuedOn,
                "due_on": invoice.dueOn,
                "total": MoneyText.format(invoice.total, invoice.currency), "status": Self.statusText(invoice.status),
                "status_class": invoice.status,
            ]
        }
        let owed: [[String: Any]] = try await balance.balances.filter { $0.outstanding > 0 }.map {
            ["amount": MoneyText.format($0.outstanding, $0.currency), "count": $0.openInvoices]
        }
        let credit: [[String: Any]] = try await balance.balances.filter { ($0.credit ?? 0) > 0 }.map {
            ["amount": MoneyText.format($0.credit ?? 0, $0.currency)]
        }
        var values: [String: Any] = [
            "invoices": rows, "has_invoices": !rows.isEmpty, "owed": owed, "credit": credit, "title": "Invoices",
        ]
        // The card matters, but a provider that does not answer must not hide the invoices.
        if let saved = try? await card {
            values["card"] = [
                "brand": saved.brand.capitalized, "last4": saved.last4,
                "expires": String(format: "%02d/%d", saved.expiryMonth, saved.expiryYear),
            ]
        }
        values["card_saved"] = request.uri.queryParameters.get("card") == "saved"
        return pages.render("invoices", values, context: context)
    }

    @Sendable func invoice(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let session = try await linked(context)
        guard let id = context.parameters.get("id", as: UUID.self),
            let invoice = try await services.invoice(id, session)
        else {
            throw PortalError.notFound
        }
        let money = { (amount: Int) in MoneyText.format(amount, invoice.currency) }
        return pages.render(
            "invoice",
            [
                "title": "Invoice \(invoice.number)", "number": invoice.number, "issued_on": invoice.issuedOn,
                "due_on": invoice.dueOn,
                "period": "\(invoice.periodStart) to \(invoice.periodEnd)", "status": Self.statusText(invoice.status),
                "status_class": invoice.status, "subtotal": money(invoice.subtotal), "tax": money(invoice.tax),
                "has_tax": invoice.tax != 0, "total": money(invoice.total), "paid": money(invoice.amountPaid),
                "due": money(max(0, invoice.total - invoice.amountPaid)), "open": invoice.status == "open",
                "id": invoice.id.uuidString.lowercased(),
                "returned_from_payment": request.uri.queryParameters.get("paid") != nil && invoice.status == "open",
                "has_payments": !(invoice.payments ?? []).isEmpty,
                "bill_to": invoice.billTo?.addressLines ?? [session.name, session.email],
                "has_credit_notes": !(invoice.creditNotes ?? []).isEmpty,
                "credit_notes": (invoice.creditNotes ?? []).map { note -> [String: Any] in
                    [
                        "number": note.number, "date": Self.day(note.createdAt),
                        "amount": MoneyText.format(note.amount, note.currency),
                        "settlement":
                            [
                                "cancellation": "invoice cancelled", "refund": "refunded",
                                "credit": "credited to your balance",
                            ][
                                note.settlement] ?? note.settlement,
                    ]
                },
                "lines": (invoice.lines ?? []).map { ["description": $0.description, "amount": money($0.amount)] },
                "payments": (invoice.payments ?? []).map { payment -> [String: Any] in
                    [
                        "date": Self.day(payment.createdAt),
                        "method": payment.method == "order" ? "Card (at order)" : "Card",
                        "amount": MoneyText.format(payment.amount, payment.currency),
                    ]
                },
            ], context: context)
    }

    /// The invoice's PDF, printed once when it was issued.
    @Sendable func invoicePDF(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let session = try await linked(context)
        guard let id = context.parameters.get("id", as: UUID.self) else { throw PortalError.notFound }
        guard let pdf = try await services.invoicePDF(id, session) else { throw PortalError.pdfNotReady }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/pdf",
                .contentDisposition: "attachment; filename=\"invoice-\(id.uuidString.lowercased()).pdf\"",
            ], body: .init(byteBuffer: pdf))
    }

    @Sendable func cancellationForm(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let (subscription, _) = try await cancellable(context)
        return pages.render(
            "cancel",
            [
                "title": "Cancel \(subscription.domain ?? subscription.productName)",
                "id": subscription.id.uuidString.lowercased(),
                "domain": subscription.domain ?? subscription.productName, "product": subscription.productName,
                "next_due": subscription.nextDue,
            ], context: context)
    }

    @Sendable func cancel(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let (subscription, session) = try await cancellable(context)
        let when = context.form.text("when")
        guard when == "now" || when == "end_of_term" else {
            return Response.redirect(to: "/services/cancel/\(subscription.id)", type: .normal)
        }
        try await services.cancel(subscription.id, when: when, session)
        return Response.redirect(to: "/services", type: .normal)
    }

    /// The customer's subscription `{id}` while it can still be cancelled.
    private func cancellable(_ context: PortalRequestContext) async throws -> (Subscription, PortalSession) {
        let session = try await linked(context)
        guard let id = context.parameters.get("id", as: UUID.self),
            let subscription = try await services.subscriptions(session).first(where: { $0.id == id }),
            ["active", "suspended"].contains(subscription.status), subscription.cancelOn == nil
        else { throw PortalError.notFound }
        return (subscription, session)
    }

    private func linked(_ context: PortalRequestContext) async throws -> PortalSession {
        try await CustomerLink(services: services, people: people).session(context)
    }

    /// One usage meter of a service's card.
    static func meter(_ label: String, _ used: Int, _ limit: Int?, domain: String) -> [String: Any] {
        SizeText.meter(used: used, limit: limit).merging(["label": label, "domain": domain]) { $1 }
    }

    static func statusText(_ status: String) -> String {
        switch status {
        case "provisioning": "Being set up"
        case "active": "Active"
        case "suspended": "Suspended"
        case "terminated": "Closed"
        case "failed": "Could not be set up"
        case "open": "Open"
        case "paid": "Paid"
        case "cancelled": "Cancelled"
        case "refunded": "Refunded"
        default: status.capitalized
        }
    }

    static func day(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash))
    }
}

extension PortalError {
    static let pdfNotReady = PortalError(
        .notFound, "This invoice's PDF is being printed, or it is not yours. Please try again in a minute.")
}
