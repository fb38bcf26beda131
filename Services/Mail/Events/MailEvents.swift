import Contracts
import Foundation
import Logging
import Money
import PostgresNIO
import ServiceKit
import WireCodec

/// Which event becomes which email, to whom.
struct MailEvents: Sendable {
    let settings: MailSettings

    func register(in definition: inout ServiceDefinition) {
        let company = ["company_name": settings.companyName, "support_email": settings.supportEmail]
        definition.handlers.on(AccountProvisioned.self) { event, transaction in
            try await RecipientStore.save(from: event, in: transaction)
            var variables: [String: Any] = company.merging([
                "customer_name": event.customerName, "domain": event.domain, "username": event.username,
                "control_panel_url": event.controlPanelURL, "login_url": event.controlPanelURL,
                "server": event.serverHostname,
            ]) { $1 }
            variables["nameservers"] = event.nameservers
            variables["has_nameservers"] = !event.nameservers.isEmpty
            if let mailbox = event.mailbox { variables["mailbox"] = mailbox }
            if let database = event.database { variables["database"] = database }
            if let sealed = event.sealedPassword { variables["sealed_password"] = sealed }
            try await queue(
                "welcome", to: event.contactEmail, name: event.customerName, variables, transaction,
                account: event.accountID, customer: event.customerID)
        }
        // Confirmed once paid: an order anyone can place with any address emails nobody.
        definition.handlers.on(OrderPaid.self) { event, transaction in
            var variables: [String: Any] = company.merging([
                "customer_name": event.customerName, "product_name": event.productName,
                "billing_cycle": event.billingCycle,
                "amount": MoneyText.decimal(event.amount, event.currency), "currency": event.currency,
                "order_id": event.orderID.uuidString.lowercased(),
            ]) { $1 }
            if let domain = event.domain { variables["domain"] = domain }
            try await queue(
                "order-confirmation", to: event.customerEmail, name: event.customerName, variables, transaction,
                customer: event.customerID)
        }
        definition.handlers.on(AccountProvisioningFailed.self) { event, transaction in
            let order = event.orderID.uuidString.lowercased()
            try await alertOperator(
                "provisioning failed for order \(order)",
                """
                Provisioning gave up on order \(order). Billing ends its subscription and refunds what was paid.
                """, reason: event.reason,
                action: """
                    fix the cause (GET /api/provisioning/failed shows the task). The customer is refunded, so ask them to \
                    order again rather than retrying the task, which would deliver an account nobody pays for.
                    """, transaction)
        }
        definition.handlers.on(OrderPaymentRefunded.self) { event, transaction in
            let amount = MoneyText.decimal(event.amount, event.currency)
            try await queue(
                "payment-refunded", to: event.customerEmail, name: event.customerName,
                company.merging([
                    "customer_name": event.customerName, "amount": amount, "currency": event.currency,
                    "refund_reference": event.refundReference, "why": Self.why(event.reason),
                ]) { $1 }, transaction)
            try await alertOperator(
                "refunded a stray payment for order \(event.orderID.uuidString.lowercased())",
                """
                Checkout refunded payment \(event.paymentReference) (\(amount) \(event.currency)) of \(event.customerEmail): \
                \(Self.why(event.reason)).
                """, reason: event.reason.rawValue, action: nil, transaction)
        }
        definition.handlers.on(PaymentRefunded.self) { event, transaction in
            let amount = MoneyText.decimal(event.amount, event.currency)
            try await queue(
                "payment-refunded", to: event.customerEmail, name: event.customerName,
                company.merging([
                    "customer_name": event.customerName, "amount": amount, "currency": event.currency,
                    "refund_reference": event.refundReference, "why": Self.why(event.reason),
                ]) { $1 }, transaction, customer: event.customerID)
            // An operator knows what they refunded; what billing refunds by itself is reported.
            guard event.actor == "billing" else { return }
            try await alertOperator(
                "refunded \(amount) \(event.currency) to \(event.customerEmail)",
                """
                Billing refunded payment \(event.paymentID.uuidString.lowercased()) (\(amount) \(event.currency)) of \
                \(event.customerEmail): \(Self.why(event.reason)).
                """, reason: event.reason.rawValue, action: nil, transaction)
        }
        definition.handlers.on(AccountSuspended.self) { event, transaction in
            try await notifyOwner(event.accountID, "suspension-notice", ["reason": event.reason], transaction)
        }
        definition.handlers.on(AccountUnsuspended.self) { event, transaction in
            try await notifyOwner(event.accountID, "unsuspension", [:], transaction)
        }
        definition.handlers.on(AccountTerminated.self) { event, transaction in
            try await notifyOwner(event.accountID, "termination", [:], transaction)
        }
        definition.handlers.on(AccountPasswordChanged.self) { event, transaction in
            var variables: [String: Any] = [:]
            if let sealed = event.sealedPassword { variables["sealed_password"] = sealed }
            try await notifyOwner(event.accountID, "password-changed", variables, transaction)
        }
        definition.handlers.on(CertificateExpiring.self) { event, transaction in
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withFullDate]
            try await notifyOwner(
                event.accountID, "certificate-expiring",
                [
                    "expires_on": formatter.string(from: event.notAfter),
                    "reason":
                        "its renewal did not succeed; please check that the domain's DNS points to our nameservers",
                ], transaction)
        }
        definition.handlers.on(AccountUsageWarning.self) { event, transaction in
            let disk = event.resource == .disk
            try await notifyOwner(
                event.accountID, "usage-warning",
                [
                    "threshold": event.threshold, "full": event.threshold >= 100,
                    "resource": disk ? "disk space" : "monthly bandwidth",
                    "used": Self.megabytes(event.usedMB), "limit": Self.megabytes(event.limitMB),
                    "consequence": disk ? "new files and email cannot be stored" : "the site may be slowed or paused",
                    "advice": disk
                        ? "Deleting old backups, logs and mail frees space; a larger plan gives more."
                        : "A larger plan gives more; the count starts again on the first of the month.",
                ], transaction)
        }
        definition.handlers.on(AccountRestored.self) { event, transaction in
            var variables: [String: Any] = ["by_customer": event.actor == "customer"]
            if let made = event.backupMadeAt { variables["made_at"] = Self.moment(made) }
            if let portal = settings.portalURL {
                variables["backups_url"] = "\(portal)/services/\(event.accountID.uuidString.lowercased())/backups"
            }
            try await notifyOwner(event.accountID, "account-restored", variables, transaction)
        }
        // A backup that could not be made is the kind of failure nobody notices until a restore
        // is needed: the operator hears of each, once.
        definition.handlers.on(BackupFailed.self) { event, transaction in
            let domain =
                try await RecipientStore.recipient(of: event.accountID, in: transaction)?.domain
                ?? "account \(event.accountID.uuidString.lowercased())"
            try await alertOperator(
                "a \(event.kind.rawValue) backup of \(domain) failed",
                """
                Provisioning gave up on backup \(event.backupID.uuidString.lowercased()) of \(domain) after its \
                attempts. The account's earlier backups are kept until they expire.
                """, reason: event.reason,
                action: """
                    fix the cause on the server (its backup destination, its free space), then use Back up now on the \
                    account's console page. Tonight's backup is tried in any case.
                    """, transaction)
        }
        registerBilling(in: &definition)
        definition.handlers.on(SubscriptionCancellationRequested.self) { event, transaction in
            var variables: [String: Any] = company.merging([
                "customer_name": event.customerName, "product_name": event.productName,
                "effective_on": event.effectiveOn,
            ]) { $1 }
            if let domain = event.domain { variables["domain"] = domain }
            try await queue(
                "cancellation-confirmed", to: event.customerEmail, name: event.customerName, variables, transaction,
                account: event.accountID, customer: event.customerID)
        }
        // From now on the customer's mail goes to the new address; the old one is told, once,
        // so a change nobody asked for does not go unnoticed.
        definition.handlers.on(CustomerEmailChanged.self) { event, transaction in
            try await RecipientStore.changeEmail(of: event.customerID, to: event.email, in: transaction)
            try await queue(
                "email-changed", to: event.previousEmail, name: event.name,
                company.merging(["customer_name": event.name, "new_email": event.email]) { $1 }, transaction,
                customer: event.customerID)
        }
        // The emails' contents and addresses go first, while the recipients still say whose accounts were whose.
        definition.handlers.on(CustomerErased.self) { event, transaction in
            try await MessageStore.forget(
                customer: event.customerID, email: event.email,
                placeholder: CustomerErased.placeholderEmail(for: event.customerID ?? event.personID), in: transaction)
            if let customer = event.customerID { try await RecipientStore.forget(customer: customer, in: transaction) }
        }
        definition.handlers.on(EmailLinkRequested.self) { event, transaction in
            let template =
                switch event.purpose {
                case .verify: "verify-email"
                case .reset: "password-reset"
                case .staffInvitation: "staff-invitation"
                case .emailChange: "confirm-email-change"
                }
            try await queue(
                template, to: event.email, name: event.name,
                company.merging(["customer_name": event.name, "sealed_link": event.sealedLink]) { $1 }, transaction)
        }
    }

    /// Billing's events go to the invoice's customer, who billing names in each event.
    private func registerBilling(in definition: inout ServiceDefinition) {
        @Sendable func variables(_ invoice: InvoiceParty, _ extra: [String: Any]) -> [String: Any] {
            var variables: [String: Any] = [
                "company_name": settings.companyName, "support_email": settings.supportEmail,
                "customer_name": invoice.customerName,
                "invoice_number": invoice.number, "amount": MoneyText.decimal(invoice.total, invoice.currency),
                "currency": invoice.currency,
                "due_date": invoice.dueOn,
            ]
            if let domain = invoice.domain { variables["domain"] = domain }
            // The pay link: the invoice's page in the portal, where it is paid in two clicks.
            if let portal = settings.portalURL {
                variables["pay_url"] = "\(portal)/invoices/\(invoice.invoiceID.uuidString.lowercased())"
            }
            return variables.merging(extra) { $1 }
        }
        // Version 1 (no lines) and 2 alike; an invoice for several services lists them.
        definition.handlers.on(InvoiceCreated.self) { event, transaction in
            var extra: [String: Any] = [
                "auto_charge": event.autoCharge, "period_start": event.periodStart, "period_end": event.periodEnd,
            ]
            if let lines = event.lines, lines.count > 1 {
                extra["itemized"] = true
                extra["lines"] = lines.map {
                    ["description": $0.description, "amount": MoneyText.decimal($0.amount, event.invoice.currency)]
                }
            }
            try await queue(
                "invoice-created", to: event.invoice.customerEmail, name: event.invoice.customerName,
                variables(event.invoice, extra), transaction, customer: event.invoice.customerID)
        }
        definition.handlers.on(InvoicePaid.self) { event, transaction in
            try await queue(
                "payment-receipt", to: event.invoice.customerEmail, name: event.invoice.customerName,
                variables(event.invoice, ["payment_reference": event.paymentReference]), transaction,
                customer: event.invoice.customerID)
        }
        definition.handlers.on(PaymentFailed.self) { event, transaction in
            var extra: [String: Any] = ["reason": event.reason.replacingOccurrences(of: "_", with: " ")]
            if let next = event.nextAttemptOn { extra["next_attempt"] = next }
            try await queue(
                "payment-failed", to: event.invoice.customerEmail, name: event.invoice.customerName,
                variables(event.invoice, extra), transaction,
                customer: event.invoice.customerID)
        }
        definition.handlers.on(InvoiceDueSoon.self) { event, transaction in
            try await queue(
                "payment-reminder", to: event.invoice.customerEmail, name: event.invoice.customerName,
                variables(event.invoice, ["days": event.days]), transaction,
                customer: event.invoice.customerID)
        }
        definition.handlers.on(CreditNoteIssued.self) { event, transaction in
            try await queue(
                "credit-note", to: event.invoice.customerEmail, name: event.invoice.customerName,
                variables(
                    event.invoice,
                    [
                        "credit_note_number": event.number,
                        "amount": MoneyText.decimal(event.amount, event.invoice.currency),
                        event.settlement: true,
                    ]), transaction, customer: event.invoice.customerID)
        }
        definition.handlers.on(InvoiceOverdue.self) { event, transaction in
            try await queue(
                "overdue-reminder", to: event.invoice.customerEmail, name: event.invoice.customerName,
                variables(
                    event.invoice,
                    Self.notice(event).merging(["days": event.days, "suspends_on": event.suspendsOn]) { $1 }),
                transaction,
                customer: event.invoice.customerID)
        }
    }

    /// How an overdue notice names itself: the first says nothing, a middle one "Second
    /// notice", the last of several "Final notice".
    static func notice(_ event: InvoiceOverdue) -> [String: Any] {
        let (notice, notices) = (event.notice ?? 1, event.notices ?? 1)
        // ISO dates compare as text; a later notice may come after the suspension day.
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        var values: [String: Any] = ["suspended": event.suspendsOn <= today]
        guard notice > 1 else { return values }
        let final = notice == notices
        values["notice_label"] = final ? "Final notice" : ["Second", "Third"][min(notice, 3) - 2] + " notice"
        values["final"] = final
        return values
    }

    /// Why money went back, as the customer reads it.
    static func why(_ reason: RefundReason) -> String {
        switch reason {
        case .undelivered: "we could not set up what you ordered, so you are not charged for it"
        case .duplicate: "your order was paid already, so this second payment was not needed"
        case .wrongAmount: "the amount paid was not your order's; the order still awaits its payment"
        case .orderEnded: "the order had expired or been cancelled before the payment arrived"
        case .requested: "as agreed with our team"
        }
    }

    /// Mails the operator (`HOSTWIRE_OPERATOR_EMAIL`), when one is set.
    private func alertOperator(
        _ title: String, _ summary: String, reason: String?, action: String?,
        _ transaction: Transaction
    ) async throws {
        guard let operatorEmail = settings.operatorEmail else { return }
        var variables: [String: Any] = ["title": title, "summary": summary]
        if let reason { variables["reason"] = reason }
        if let action { variables["action"] = action }
        try await queue("operator-alert", to: operatorEmail, name: nil, variables, transaction)
    }

    /// "820 MB", "1.5 GB".
    static func megabytes(_ value: Int) -> String {
        value < 1_024
            ? "\(value) MB"
            : String(format: "%.1f GB", Double(value) / 1_024).replacingOccurrences(of: ".0 GB", with: " GB")
    }

    /// "2026-12-03 01:30:00 UTC".
    static func moment(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: date) + " UTC"
    }

    /// Mails the account's owner, known from its `account.provisioned`.
    private func notifyOwner(_ accountID: UUID, _ template: String, _ extra: [String: Any], _ transaction: Transaction)
        async throws
    {
        guard let recipient = try await RecipientStore.recipient(of: accountID, in: transaction) else {
            transaction.logger.warning(
                "no recipient known for account; not mailed",
                metadata: ["account": "\(accountID)", "template": "\(template)"])
            return
        }
        let (email, name, domain) = (recipient.email, recipient.name, recipient.domain)
        let variables = extra.merging([
            "customer_name": name, "domain": domain, "company_name": settings.companyName,
            "support_email": settings.supportEmail,
        ]) { first, _ in first }
        try await queue(template, to: email, name: name, variables, transaction, account: accountID)
    }

    private func queue(
        _ template: String, to recipient: String, name: String?, _ variables: [String: Any],
        _ transaction: Transaction, account: UUID? = nil, customer: UUID? = nil
    ) async throws {
        // Keyed by the event: a redelivered event finds its messages queued already.
        guard let event = transaction.message else {
            throw UnreadableMessage(reason: "mail is queued only for an event")
        }
        try await MessageStore.queue(
            NewMessage(
                eventID: event.id, eventType: event.type, template: template,
                recipient: recipient, recipientName: name, variables: variables,
                accountID: account, customerID: customer),
            messageIDDomain: settings.messageIDDomain, in: transaction)
    }
}
