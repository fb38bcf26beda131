import Foundation
import Hummingbird
import HummingbirdAuth
import Money
import PortalTokens

/// Customers: search, and one customer's profile, services, invoices, balance and emails,
/// gathered from the services as the signed-in staff member; "log in as" for the roles that
/// may, which is audited and shown to the customer on their security page.
struct CustomersConsoleController: Sendable {
    let pages: PageRenderer
    let apis: StaffAPIs
    let people: any PersonRepository
    let customerSessions: PostgresSessionStore
    let audit: AuditLog
    let notes: CustomerNotes
    let secureCookies: Bool
    let passwords: Passwords

    /// How long a staff view of a customer's pages lasts.
    static let viewLifetime: Duration = .seconds(3600)

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("customers") { request, context in
            let text = request.uri.queryParameters.get("q").map {
                String($0.prefix(100)).trimmingCharacters(in: .whitespaces)
            }
            .flatMap { $0.isEmpty ? nil : $0 }
            let found = try await people.search(text, limit: 100)
            return pages.render(
                "console-customers",
                [
                    "title": "Customers", "q": text ?? "", "empty": found.isEmpty,
                    "customers": found.map { person in
                        [
                            "id": person.id.uuidString.lowercased(), "name": person.name, "email": person.email,
                            "verified": person.isVerified,
                            "two_factor": person.hasTwoFactor,
                        ]
                    },
                ], context: context)
        }
        router.get("customers/{id}") { _, context in
            try await show(try context.parameters.require("id", as: UUID.self), context: context)
        }
        router.post("customers/{id}/log-in-as", use: logInAs)
        router.post("customers/{id}/notes", use: addNote)
        router.post("customers/{id}/subscriptions/{subscription}/cancel", use: cancel)
        router.post("customers/{id}/credit", use: grantCredit)
        router.post("customers/{id}/erasure", use: erase)
    }

    /// Carries out the customer's request to be forgotten: refused while a service still runs
    /// for them (cancel it first); their issued invoices stay, as the law requires.
    @Sendable func erase(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let id = try context.parameters.require("id", as: UUID.self)
        guard let person = try await people.person(id: id), let profile = try await people.profile(of: id) else {
            throw PortalError.notFound
        }
        func refuse(_ problem: String, _ status: HTTPResponse.Status) async throws -> Response {
            try await show(id, errors: [problem], context: context, status: status)
        }
        guard staff.role.may(.eraseCustomers) else {
            return try await refuse("Your role (\(staff.role.rawValue)) may not erase a customer.", .forbidden)
        }
        guard profile.erasureRequestedAt != nil else {
            return try await refuse("The customer has not asked to be forgotten.", .conflict)
        }
        guard context.form.text("confirm-erasure") == "yes" else {
            return try await refuse("Tick the box to confirm: erasure cannot be undone.", .unprocessableContent)
        }
        if let customer = person.customerID?.uuidString.lowercased() {
            let subscriptions = try await apis.get(
                .billing, "/api/billing/subscriptions?customer_id=\(customer)&per_page=100", as: staff)
            let live = (subscriptions as? [[String: Any]] ?? []).filter {
                ["active", "suspended"].contains($0["status"] as? String ?? "")
            }
            guard live.isEmpty else {
                return try await refuse(
                    "\(live.count) service(s) still run for this customer: cancel them now first.", .conflict)
            }
        }
        guard
            try await people.erase(id, passwordHash: try await passwords.hash(RandomToken.make())) != nil
        else { throw PortalError.notFound }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "customer.erased",
            target: "person:\(id.uuidString.lowercased())", reason: "the customer asked to be forgotten",
            before: nil, after: nil)
        return Response.redirect(to: "/console/customers/\(id.uuidString.lowercased())", type: .normal)
    }

    /// Goodwill credit (an outage, a gesture): billing applies it to the customer's next invoices first.
    @Sendable func grantCredit(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let id = try context.parameters.require("id", as: UUID.self)
        guard let person = try await people.person(id: id), let customer = person.customerID else {
            throw PortalError.notFound
        }
        let currency = context.form.text("currency").uppercased()
        let reason = context.form.text("reason")
        var errors: [String] = []
        let amount = CatalogConsoleController.minorUnits(context.form.text("amount"), currency: currency)
        if amount == nil || currency.count != 3 {
            errors.append("The credit is an amount such as 5.00 in a currency such as USD.")
        }
        if !(3...200).contains(reason.count) {
            errors.append("Give the reason (3 to 200 characters): it is kept with the credit.")
        }
        guard errors.isEmpty, let amount else {
            return try await show(id, errors: errors, context: context, status: .unprocessableContent)
        }
        let granted: [String: Any]
        do {
            granted =
                try await apis.post(
                    .billing, "/api/billing/customers/\(customer.uuidString.lowercased())/credits",
                    ["amount": amount, "currency": currency, "reason": reason], as: staff) as? [String: Any] ?? [:]
        } catch let error as ServiceCallError where (400..<500).contains(error.status) {
            return try await show(
                id, errors: [ConsoleText.refusal(error, by: staff, what: "grant credit")], context: context,
                status: error.status == 403 ? .forbidden : .unprocessableContent)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "customer.credit-granted",
            target: "person:\(id.uuidString.lowercased()) \(person.email)", reason: reason, before: nil,
            after: AuditEntry.json(["amount": amount, "currency": currency, "balance": granted["balance"] ?? ""]))
        return Response.redirect(to: "/console/customers/\(id.uuidString.lowercased())#credit", type: .normal)
    }

    /// Cancels a customer's service for them (at the end of the term or now), as billing does
    /// when the customer asks: the reason is required and audited.
    @Sendable func cancel(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let id = try context.parameters.require("id", as: UUID.self)
        let subscription = try context.parameters.require("subscription", as: UUID.self)
        let (when, reason) = (context.form.text("when"), context.form.text("reason"))
        var errors: [String] = []
        if !["end_of_term", "now"].contains(when) { errors.append("Choose when the service ends.") }
        if !(3...200).contains(reason.count) {
            errors.append("Give the reason (3 to 200 characters): it goes in the audit log.")
        }
        if context.form["confirm-cancel-\(subscription.uuidString.lowercased())"] != "yes" {
            errors.append("Tick the box to confirm: the customer's service ends.")
        }
        guard errors.isEmpty else {
            return try await show(id, errors: errors, context: context, status: .unprocessableContent)
        }
        let answer: [String: Any]
        do {
            answer =
                try await apis.post(
                    .billing, "/api/billing/subscriptions/\(subscription.uuidString.lowercased())/cancellation",
                    ["when": when], as: staff) as? [String: Any] ?? [:]
        } catch let error as ServiceCallError where (400..<500).contains(error.status) {
            return try await show(
                id, errors: [ConsoleText.refusal(error, by: staff, what: "cancel services")], context: context,
                status: error.status == 403 ? .forbidden : .conflict)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "subscription.cancelled",
            target: "subscription:\(subscription.uuidString.lowercased()) person:\(id.uuidString.lowercased())",
            reason: reason,
            before: nil, after: AuditEntry.json(["when": when, "effective_on": answer["effective_on"] ?? ""]))
        return Response.redirect(to: "/console/customers/\(id.uuidString.lowercased())#services", type: .normal)
    }

    @Sendable func addNote(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let id = try context.parameters.require("id", as: UUID.self)
        guard let person = try await people.person(id: id) else { throw PortalError.notFound }
        guard staff.role.may(.annotateCustomers) else {
            return try await show(
                id, errors: ["Your role (\(staff.role.rawValue)) may not write notes."], context: context,
                status: .forbidden)
        }
        let body = context.form.text("note")
        guard (1...CustomerNotes.limit).contains(body.count) else {
            return try await show(
                id, errors: ["A note is 1 to \(CustomerNotes.limit) characters."], context: context,
                status: .unprocessableContent)
        }
        try await notes.add(to: person.id, by: staff, body)
        try await audit.record(
            by: staff, from: context.clientAddress, action: "customer.note-added",
            target: "person:\(person.id.uuidString.lowercased()) \(person.email)", reason: nil, before: nil,
            after: AuditEntry.json(["note": body]))
        return Response.redirect(to: "/console/customers/\(person.id.uuidString.lowercased())#notes", type: .normal)
    }

    @Sendable func logInAs(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let id = try context.parameters.require("id", as: UUID.self)
        guard let person = try await people.person(id: id) else { throw PortalError.notFound }
        guard staff.role.may(.impersonate) else {
            return try await show(
                id, errors: ["Your role (\(staff.role.rawValue)) may not log in as a customer."], context: context,
                status: .forbidden)
        }
        let reason = context.form.text("reason")
        guard (3...200).contains(reason.count) else {
            return try await show(
                id, errors: ["Give the reason (3 to 200 characters): the customer will see that you looked, and why."],
                context: context, status: .unprocessableContent)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "customer.log-in-as",
            target: "person:\(person.id.uuidString.lowercased()) \(person.email)", reason: reason,
            before: nil, after: nil)
        // A customer session of its own, marked as the staff member's: never the customer's cookie.
        let key = RandomToken.make()
        try await customerSessions.create(
            key: key,
            value: PortalSession(
                personID: person.id, customerID: person.customerID, email: person.email, name: person.name,
                signedInAt: Date(),
                address: context.clientAddress, userAgent: "staff view by \(staff.email)",
                staffViewer: "\(staff.name) (\(staff.role.rawValue))"),
            expires: Self.viewLifetime)
        var response = Response.redirect(to: "/services", type: .normal)
        response.setCookie(
            Cookie(
                name: "hw_session", value: key, maxAge: Int(Self.viewLifetime.components.seconds), path: "/",
                secure: secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    private func show(
        _ id: UUID, errors: [String] = [], context: ConsoleRequestContext,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let staff = context.staff, let person = try await people.person(id: id) else {
            throw PortalError.notFound
        }
        let profile = try await people.profile(of: id)
        var values: [String: Any] = [
            "title": person.name, "id": id.uuidString.lowercased(), "id_person": id.uuidString.lowercased(),
            "name": person.name, "email": person.email,
            "verified": person.isVerified, "two_factor": person.hasTwoFactor, "company": profile?.company ?? "",
            "country": profile?.country ?? "", "vat_id": profile?.vatID ?? "", "errors": errors,
            "erasure": profile?.erasureRequestedAt.map(AccountController.dateTime) ?? "",
            "erased": profile?.erasedAt.map(AccountController.dateTime) ?? "",
            "may_erase": staff.role.may(.eraseCustomers) && profile?.erasureRequestedAt != nil
                && profile?.erasedAt == nil,
            "may_log_in_as": staff.role.may(.impersonate), "may_annotate": staff.role.may(.annotateCustomers),
            "notes": try await notes.notes(on: id).map { note in
                ["author": note.author, "body": note.body, "at": AccountController.dateTime(note.at)]
            },
        ]
        if let customer = person.customerID?.uuidString.lowercased() {
            async let accounts = try? apis.get(
                .provisioning, "/api/accounts?customer_id=\(customer)&per_page=100", as: staff)
            async let invoices = try? apis.get(
                .billing, "/api/billing/invoices?customer_id=\(customer)&per_page=100", as: staff)
            async let balance = try? apis.get(.billing, "/api/billing/customers/\(customer)/balance", as: staff)
            async let emails = try? apis.get(
                .mail, "/api/mail/messages?per_page=50&recipient=\(Self.query(person.email))", as: staff)
            async let payments = try? apis.get(
                .billing, "/api/billing/payments?customer_id=\(customer)&per_page=100", as: staff)
            async let subscriptions = try? apis.get(
                .billing, "/api/billing/subscriptions?customer_id=\(customer)&per_page=100", as: staff)
            values["accounts"] = (await accounts as? [[String: Any]] ?? []).map(AccountsConsoleController.row)
            values["invoices"] = (await invoices as? [[String: Any]] ?? []).map(BillingConsoleController.invoiceRow)
            values["balances"] = ((await balance as? [String: Any])?["balances"] as? [[String: Any]] ?? []).map {
                amount in
                let currency = amount["currency"] as? String ?? "USD"
                let (credit, overpaid) = (amount["credit"] as? Int ?? 0, amount["overpaid"] as? Int ?? 0)
                return [
                    "credit": MoneyText.format(credit, currency), "has_credit": credit > 0,
                    "outstanding": MoneyText.format(amount["outstanding"] as? Int ?? 0, currency),
                    "overpaid": MoneyText.format(overpaid, currency), "has_overpaid": overpaid > 0,
                    "open": amount["open_invoices"] ?? 0,
                ]
            }
            values["payments"] = (await payments as? [[String: Any]] ?? []).reversed().map { payment -> [String: Any] in
                let currency = payment["currency"] as? String ?? "USD"
                return [
                    "amount": MoneyText.format(payment["amount"] as? Int ?? 0, currency),
                    "method": payment["method"] ?? "",
                    "refunded": (payment["refunded"] as? Int ?? 0) > 0
                        ? MoneyText.format(payment["refunded"] as? Int ?? 0, currency) : "",
                    "invoice": (payment["invoice_id"] as? String)?.lowercased() ?? "",
                    "at": ConsoleText.time(payment["created_at"]),
                ]
            }
            values["subscriptions"] = (await subscriptions as? [[String: Any]] ?? []).filter {
                ["active", "suspended"].contains($0["status"] as? String ?? "")
            }
            .map { subscription -> [String: Any] in
                let currency = subscription["currency"] as? String ?? "USD"
                return [
                    "id": (subscription["id"] as? String)?.lowercased() ?? "", "domain": subscription["domain"] ?? "—",
                    "product": subscription["product_name"] ?? "", "status": subscription["status"] ?? "",
                    "price":
                        "\(MoneyText.format(subscription["amount"] as? Int ?? 0, currency)) \(subscription["cycle"] ?? "")",
                    "next_due": subscription["next_due"] ?? "", "ends": subscription["cancel_on"] ?? "",
                    "cancelling": subscription["cancel_on"] != nil,
                ]
            }
            values["emails"] = ((await emails as? [String: Any])?["items"] as? [[String: Any]] ?? []).map { message in
                [
                    "template": message["template"] ?? "", "status": message["status"] ?? "",
                    "at": ConsoleText.time(message["created_at"]),
                ]
            }
        }
        values["may_cancel"] = staff.role.may(.manageBilling)
        values["may_credit"] = staff.role.may(.manageBilling) && person.customerID != nil
        for list in ["accounts", "invoices", "emails", "notes", "payments", "subscriptions"] {
            values["has_\(list)"] = !((values[list] as? [Any])?.isEmpty ?? true)
        }
        return pages.render("console-customer", values, context: context, status: status)
    }

    private static func query(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}
