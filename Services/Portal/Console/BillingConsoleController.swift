import Foundation
import Hummingbird
import Money
import PortalTokens

/// Invoices and their payments, and refunds — checked by billing against the staff member's
/// role (billing, admin, owner), made at the payment provider, and audited.
struct BillingConsoleController: Sendable {
    let pages: PageRenderer
    let apis: StaffAPIs
    let audit: AuditLog

    static let statuses = ["open", "paid", "cancelled", "refunded"]

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("invoices") { request, context in
            guard let staff = context.staff else { throw PortalError.notFound }
            let status = request.uri.queryParameters.get("status").flatMap {
                Self.statuses.contains(String($0)) ? String($0) : nil
            }
            let page = try await apis.get(
                .billing, "/api/billing/invoices?per_page=100\(status.map { "&status=\($0)" } ?? "")", as: staff)
            let invoices = page as? [[String: Any]] ?? []
            return pages.render(
                "console-invoices",
                [
                    "title": "Invoices", "invoices": invoices.map(Self.invoiceRow), "empty": invoices.isEmpty,
                    "all": status == nil,
                    "filters": Self.statuses.map { ["status": $0, "current": $0 == status] },
                ], context: context)
        }
        router.get("invoices/{id}") { _, context in
            try await show(try context.parameters.require("id", as: UUID.self), context: context)
        }
        router.post("invoices/{id}/payments/{payment}/refund", use: refund)
        router.post("invoices/{id}/mark-paid", use: markPaid)
        router.post("invoices/{id}/void", use: void)
    }

    /// Voids an open invoice nothing was paid on (sent in error, a goodwill write-off).
    @Sendable func void(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let invoice = try context.parameters.require("id", as: UUID.self)
        let reason = context.form.text("reason")
        var errors: [String] = []
        if context.form["confirm-void"] != "yes" {
            errors.append("Tick the box to confirm: the invoice is cancelled and its period not billed.")
        }
        if !(3...200).contains(reason.count) {
            errors.append("Give the reason (3 to 200 characters): it is kept with the invoice.")
        }
        guard errors.isEmpty else {
            return try await show(invoice, errors: errors, context: context, status: .unprocessableContent)
        }
        do {
            try await apis.post(
                .billing, "/api/billing/invoices/\(invoice.uuidString.lowercased())/void", ["reason": reason], as: staff
            )
        } catch let error as ServiceCallError where (400..<500).contains(error.status) {
            return try await show(
                invoice, errors: [ConsoleText.refusal(error, by: staff, what: "void invoices")], context: context,
                status: error.status == 403 ? .forbidden : .conflict)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "invoice.voided",
            target: "invoice:\(invoice.uuidString.lowercased())", reason: reason,
            before: AuditEntry.json(["status": "open"]), after: AuditEntry.json(["status": "cancelled"]))
        return Response.redirect(to: "/console/invoices/\(invoice.uuidString.lowercased())?voided=1", type: .normal)
    }

    @Sendable func refund(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let invoice = try context.parameters.require("id", as: UUID.self)
        let payment = try context.parameters.require("payment", as: UUID.self)
        let reason = context.form.text("reason")
        var errors: [String] = []
        if context.form["confirm-\(payment.uuidString.lowercased())"] != "yes" {
            errors.append("Tick the box to confirm: the money goes back to the customer's card.")
        }
        if !(3...200).contains(reason.count) {
            errors.append("Give the reason (3 to 200 characters): it goes in the audit log.")
        }
        guard errors.isEmpty else {
            return try await show(invoice, errors: errors, context: context, status: .unprocessableContent)
        }
        let made: [String: Any]
        do {
            made =
                try await apis.post(
                    .billing, "/api/billing/payments/\(payment.uuidString.lowercased())/refund", ["reason": reason],
                    as: staff) as? [String: Any] ?? [:]
        } catch let error as ServiceCallError where error.status == 403 {
            return try await show(
                invoice,
                errors: [
                    "Your role (\(staff.role.rawValue)) may not refund payments. Ask billing, an admin or an owner."
                ],
                context: context, status: .forbidden)
        } catch let error as ServiceCallError where (400..<600).contains(error.status) {
            return try await show(
                invoice, errors: [error.message ?? "Billing refused the refund (\(error.code ?? "\(error.status)"))."],
                context: context, status: .conflict)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "payment.refund",
            target: "payment:\(payment.uuidString.lowercased()) invoice:\(invoice.uuidString.lowercased())",
            reason: reason, before: nil,
            after: AuditEntry.json([
                "refunded": made["amount"] ?? "", "reference": made["reference"] ?? "",
                "invoice_status": made["invoice_status"] ?? "",
            ]))
        return Response.redirect(to: "/console/invoices/\(invoice.uuidString.lowercased())?refunded=1", type: .normal)
    }

    /// Money that reached the company some other way (a bank transfer): recorded with its reference, once.
    @Sendable func markPaid(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let invoice = try context.parameters.require("id", as: UUID.self)
        let reference = context.form.text("reference")
        let currency = context.form.text("currency")
        var errors: [String] = []
        let amount = CatalogConsoleController.minorUnits(context.form.text("amount"), currency: currency)
        if amount == nil { errors.append("The amount is what was received, such as 4.99.") }
        if !(3...100).contains(reference.count) {
            errors.append("Give the bank's reference (3 to 100 characters): a payment is recorded once per reference.")
        }
        guard errors.isEmpty, let amount else {
            return try await show(invoice, errors: errors, context: context, status: .unprocessableContent)
        }
        do {
            try await apis.post(
                .billing, "/api/billing/invoices/\(invoice.uuidString.lowercased())/payments",
                ["amount": amount, "reference": reference, "note": "recorded by staff:\(staff.email)"], as: staff)
        } catch let error as ServiceCallError where error.status == 403 {
            return try await show(
                invoice, errors: ["Your role (\(staff.role.rawValue)) may not record payments."], context: context,
                status: .forbidden)
        } catch let error as ServiceCallError where (400..<500).contains(error.status) {
            return try await show(
                invoice, errors: [error.message ?? "Billing refused the payment."], context: context, status: .conflict)
        }
        try await audit.record(
            by: staff, from: context.clientAddress, action: "invoice.payment-recorded",
            target: "invoice:\(invoice.uuidString.lowercased())", reason: reference, before: nil,
            after: AuditEntry.json(["amount": amount, "currency": currency, "reference": reference]))
        return Response.redirect(to: "/console/invoices/\(invoice.uuidString.lowercased())?paid=1", type: .normal)
    }

    private func show(
        _ id: UUID, errors: [String] = [], context: ConsoleRequestContext,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let staff = context.staff else { throw PortalError.notFound }
        let invoice: [String: Any]
        do {
            invoice =
                try await apis.get(.billing, "/api/billing/invoices/\(id.uuidString.lowercased())", as: staff)
                as? [String: Any] ?? [:]
        } catch let error as ServiceCallError where error.status == 404 {
            throw PortalError.notFound
        }
        let currency = invoice["currency"] as? String ?? "USD"
        let payments = (invoice["payments"] as? [[String: Any]] ?? []).map { payment -> [String: Any] in
            let (amount, refunded) = (payment["amount"] as? Int ?? 0, payment["refunded"] as? Int ?? 0)
            return [
                "id": (payment["id"] as? String)?.lowercased() ?? "", "method": payment["method"] ?? "",
                "reference": payment["reference"] ?? "",
                "amount": MoneyText.format(amount, currency), "refunded": MoneyText.format(refunded, currency),
                "has_refund": refunded > 0, "refundable": refunded < amount && payment["method"] as? String != "credit",
                "at": ConsoleText.time(payment["created_at"]),
            ]
        }
        return pages.render(
            "console-invoice",
            [
                "title": "Invoice \(invoice["number"] as? String ?? "")", "invoice": Self.invoiceRow(invoice),
                "payments": payments,
                "credit_notes": (invoice["credit_notes"] as? [[String: Any]] ?? []).map { note -> [String: Any] in
                    [
                        "number": note["number"] ?? "", "settlement": note["settlement"] ?? "",
                        "amount": MoneyText.format(note["amount"] as? Int ?? 0, currency),
                        "reason": note["reason"] ?? "", "at": ConsoleText.time(note["created_at"]),
                    ]
                },
                "has_credit_notes": !((invoice["credit_notes"] as? [Any]) ?? []).isEmpty,
                "has_payments": !payments.isEmpty, "errors": errors, "may_refund": staff.role.may(.refund),
                "open": invoice["status"] as? String == "open", "may_record": staff.role.may(.manageBilling),
                "currency": currency,
                "voidable": invoice["status"] as? String == "open" && (invoice["amount_paid"] as? Int ?? 0) == 0,
                "due": MoneyText.decimal(
                    max(0, (invoice["total"] as? Int ?? 0) - (invoice["amount_paid"] as? Int ?? 0)), currency),
                "lines": (invoice["lines"] as? [[String: Any]] ?? []).map { line in
                    [
                        "description": line["description"] ?? "",
                        "amount": MoneyText.format(line["amount"] as? Int ?? 0, currency),
                    ]
                },
            ], context: context, status: status)
    }

    static func invoiceRow(_ invoice: [String: Any]) -> [String: Any] {
        let currency = invoice["currency"] as? String ?? "USD"
        return [
            "id": (invoice["id"] as? String)?.lowercased() ?? "", "number": invoice["number"] ?? "",
            "status": invoice["status"] ?? "",
            "total": MoneyText.format(invoice["total"] as? Int ?? 0, currency),
            "paid": MoneyText.format(invoice["amount_paid"] as? Int ?? 0, currency),
            "issued": invoice["issued_on"] ?? "", "due": invoice["due_on"] ?? "",
            "customer": invoice["customer_id"] ?? "",
        ]
    }
}
