import Foundation
import PostgresNIO
import TestSupport
import Testing

/// Billing against real Postgres, the real bus, the timer's clock moved forward, and the
/// Stripe simulator over HTTP; suspensions and terminations reach the WHM simulator.
@Suite(.serialized) struct BillingTests {
    static let billingEnvironment = ["HOSTWIRE_BILLING_TERMINATE_AFTER_DAYS": "30"]

    @Test("a subscription lives through three monthly cycles: invoices on the right days, one charge each, receipts")
    func threeCycles() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "billing", "timer", "mail"]) { database in
            let sandbox = Sandbox(
                database: database, tag: "billing-cycles", billingEnvironment: Self.billingEnvironment)
            defer { sandbox.stop() }
            try await sandbox.start(mail: true, billing: true)
            try await sandbox.addServer()
            try await sandbox.placePaidOrder("cycles.example")
            let clock = BillingClock(sandbox: sandbox)
            let subscription = try await clock.subscription(domain: "cycles.example")
            #expect(subscription["status"] as? String == "active")
            let intents = {
                try await sandbox.stripeAPI.call("GET", "/__sim/stats").json["POST /v1/payment_intents"] as? Int ?? 0
            }
            #expect(try await intents() == 1, "the order's own payment")

            var due = try #require(subscription["next_due"] as? String)
            for cycle in 1...3 {
                try await clock.run(through: BillingClock.day(due, plus: -8))
                #expect(
                    try await clock.invoices(status: nil).count == cycle, "not issued before its day (cycle \(cycle))")
                try await clock.run(through: BillingClock.day(due, plus: -7))
                let issued = try await clock.invoices(status: nil)
                #expect(issued.count == cycle + 1)
                let invoice = try #require(issued.last)
                #expect(invoice["issued_on"] as? String == BillingClock.day(due, plus: -7))
                #expect(invoice["due_on"] as? String == due)
                #expect(invoice["status"] as? String == "open")
                try await clock.run(through: due)
                #expect(await eventually(timeout: .seconds(20)) { try await clock.invoices(status: "open").isEmpty })
                #expect(try await intents() == 1 + cycle, "one charge per invoice (cycle \(cycle))")
                due = try #require(try await clock.subscription(domain: "cycles.example")["next_due"] as? String)
            }
            let invoices = try await clock.invoices(status: nil)
            #expect(
                invoices.map { $0["number"] as? String } == ["INV-000001", "INV-000002", "INV-000003", "INV-000004"])
            #expect(invoices.allSatisfy { $0["status"] as? String == "paid" })
            #expect(
                await eventually(timeout: .seconds(10)) {
                    try await database.count("SELECT count(*)::int FROM billing.outbox WHERE type = 'invoice.paid'")
                        == 4
                }, "a receipt for every invoice")
            #expect(
                try await database.count("SELECT count(*)::int FROM billing.payments") == 4,
                "each payment credited once")
            #expect(
                try await database.count("SELECT count(*)::int FROM billing.outbox WHERE type = 'invoice.created'") == 3
            )
            #expect(
                try await database.count("SELECT count(*)::int FROM billing.outbox WHERE kind = 'command'") == 0,
                "never suspended")

            // The customer heard of each invoice and each payment.
            #expect(
                await eventually(timeout: .seconds(30)) {
                    let subjects = try sandbox.smtp.messages().compactMap { $0["subject"] as? String }
                    return subjects.filter { $0.hasPrefix("Invoice INV-") }.count == 3
                        && subjects.filter { $0.hasPrefix("Payment received") }.count == 4
                })

            // A refund of the last charge goes through Stripe once; the invoice shows it and the balance stays clear.
            let last = try #require(invoices.last?["id"] as? String)
            let payment = try #require(
                try await sandbox.billingAPI.call("GET", "/api/billing/payments?invoice_id=\(last)").array.first)
            #expect(
                try await sandbox.billingAPI.call(
                    "POST", "/api/billing/payments/\(payment["id"] as! String)/refund",
                    json: ["amount": 1_000_000]
                ).status == 422)
            let refund = try await sandbox.billingAPI.call(
                "POST", "/api/billing/payments/\(payment["id"] as! String)/refund",
                json: ["reason": "requested by customer"])
            #expect(refund.status == 201)
            #expect(refund.json["invoice_status"] as? String == "refunded")
            #expect(
                try await sandbox.billingAPI.call(
                    "POST", "/api/billing/payments/\(payment["id"] as! String)/refund",
                    json: [:]
                ).status == 422, "nothing left to refund")
            let customer = try #require(subscription["customer_id"] as? String)
            let balance = try await sandbox.billingAPI.call("GET", "/api/billing/customers/\(customer)/balance").json
            let usd = try #require((balance["balances"] as? [[String: Any]])?.first)
            #expect(usd["outstanding"] as? Int == 0 && usd["open_invoices"] as? Int == 0)
            #expect(try await sandbox.stripeAPI.call("GET", "/__sim/stats").json["POST /v1/refunds"] as? Int == 1)
        }
    }

    @Test(
        "without a saved card: one reminder 3 days before due, three overdue notices after it (days 1, 7, 14), each mailed once, nothing charged"
    )
    func reminders() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "billing", "timer", "mail"]) { database in
            let sandbox = Sandbox(
                database: database, tag: "billing-remind", billingEnvironment: Self.billingEnvironment)
            defer { sandbox.stop() }
            try await sandbox.start(mail: true, billing: true)
            try await sandbox.addServer()
            try await sandbox.placePaidOrder("nocard.example")
            let clock = BillingClock(sandbox: sandbox)
            let subscription = try await clock.subscription(domain: "nocard.example")
            // The card is gone (expired, removed): the next invoice waits to be paid instead of charging it.
            let customer = try #require(UUID(uuidString: subscription["customer_id"] as? String ?? ""))
            try await database.withAdmin { client in
                try await client.query(
                    "UPDATE billing.customers SET payment_method = NULL WHERE id = \(customer)",
                    logger: TestDatabase.logger)
            }
            let due = try #require(subscription["next_due"] as? String)
            let action = { (name: String) in
                try await database.count("SELECT count(*)::int FROM billing.dunning_actions WHERE action = \(name)")
            }
            try await clock.run(through: BillingClock.day(due, plus: -4))
            #expect(try await clock.invoices(status: "open").count == 1)
            #expect(try await action("due-soon") == 0, "not before its day")
            try await clock.run(through: BillingClock.day(due, plus: -3))
            #expect(await eventually(timeout: .seconds(20)) { try await action("due-soon") == 1 })
            try await clock.run(through: BillingClock.day(due, plus: 1))
            #expect(await eventually(timeout: .seconds(20)) { try await action("overdue") == 1 })
            #expect(try await action("due-soon") == 1, "reminded once")
            #expect(
                try await sandbox.stripeAPI.call("GET", "/__sim/stats").json["POST /v1/payment_intents"] as? Int == 1,
                "only the order's own payment: nothing to charge")
            #expect(
                await eventually(timeout: .seconds(30)) {
                    let subjects = try sandbox.smtp.messages().compactMap { $0["subject"] as? String }
                    return subjects.filter { $0.contains(" is due on ") }.count == 1
                        && subjects.filter { $0.hasSuffix(" is overdue") }.count == 1
                })
            // The second and the final notice on their days (7 and 14 past due), each once, each with the pay link.
            try await clock.run(through: BillingClock.day(due, plus: 7))
            #expect(await eventually(timeout: .seconds(20)) { try await action("overdue-2") == 1 })
            try await clock.run(through: BillingClock.day(due, plus: 14))
            #expect(await eventually(timeout: .seconds(20)) { try await action("overdue-3") == 1 })
            #expect(try await action("overdue") == 1, "each notice once")
            #expect(try await action("overdue-2") == 1, "each notice once")
            #expect(
                await eventually(timeout: .seconds(30)) {
                    let messages = try sandbox.smtp.messages()
                    let subjects = messages.compactMap { $0["subject"] as? String }
                    return subjects.filter { $0.hasPrefix("Second notice: ") && $0.hasSuffix(" is overdue") }.count == 1
                        && subjects.filter { $0.hasPrefix("Final notice: ") }.count == 1
                        && subjects.filter { $0.hasSuffix(" is overdue") }.count == 3
                })
        }
    }

    @Test(
        "declines: twice then paid inside the grace period is never suspended; always declining suspends on day 3, unsuspends when paid, terminates on day 30"
    )
    func dunning() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "billing", "timer"]) { database in
            let sandbox = Sandbox(
                database: database, tag: "billing-dunning", billingEnvironment: Self.billingEnvironment)
            defer { sandbox.stop() }
            try await sandbox.start(billing: true)
            try await sandbox.addServer()
            try await sandbox.placePaidOrder("recovers.example")
            try await sandbox.placePaidOrder("declines.example")
            let clock = BillingClock(sandbox: sandbox)
            let recovers = try await clock.subscription(domain: "recovers.example")
            let declines = try await clock.subscription(domain: "declines.example")
            for (subscription, count) in [(recovers, 2), (declines, 1000)] {
                let id = UUID(uuidString: subscription["customer_id"] as! String)!
                let customer = try #require(
                    try await database.withAdmin { client in
                        try await client.query(
                            "SELECT payment_customer FROM billing.customers WHERE id = \(id)",
                            logger: TestDatabase.logger
                        ).collect().first?.decode(String.self)
                    })
                #expect(
                    try await sandbox.stripeAPI.call("POST", "/__sim/customers/\(customer)/declines?count=\(count)")
                        .status == 204)
            }
            // The declining customer lives in Germany: later invoices carry 19% VAT as a second line.
            #expect(
                try await sandbox.billingAPI.call(
                    "PUT", "/api/billing/tax-rates/DE", json: ["basis_points": 1900, "name": "VAT"]
                ).status == 200)
            #expect(
                try await sandbox.billingAPI.call("PUT", "/api/billing/tax-rates/de", json: ["basis_points": 1900])
                    .status == 422)
            #expect(
                try await sandbox.billingAPI.call(
                    "PATCH", "/api/billing/customers/\(declines["customer_id"] as! String)",
                    json: ["country": "DE"]
                ).status == 204)
            let due = try #require(recovers["next_due"] as? String)
            let status = { (domain: String) in try await clock.subscription(domain: domain)["status"] as? String }
            let suspended = { (domain: String) in
                (try await sandbox.panelAccounts().first { $0["domain"] as? String == domain }?["suspended"] as? String)
                    .map { $0 == "1" }
            }

            try await clock.run(through: due)
            try await clock.run(through: BillingClock.day(due, plus: 1))
            #expect(
                await eventually(timeout: .seconds(20)) {
                    try await database.count(
                        "SELECT count(*)::int FROM billing.charge_attempts WHERE outcome = 'declined'") == 4
                })
            try await clock.run(through: BillingClock.day(due, plus: 2))
            #expect(try await status("declines.example") == "active", "inside the grace period")
            try await clock.run(through: BillingClock.day(due, plus: 3))
            #expect(await eventually(timeout: .seconds(20)) { try await status("declines.example") == "suspended" })
            #expect(
                await eventually(timeout: .seconds(20)) { try await suspended("declines.example") == true },
                "suspended on the panel")
            #expect(try await status("recovers.example") == "active")
            #expect(try await suspended("recovers.example") == false)
            #expect(
                await eventually(timeout: .seconds(20)) {
                    try await clock.invoices(status: nil, subscription: recovers["id"] as? String).last?["status"]
                        as? String == "paid"
                }, "paid by the third attempt")
            let renewal = try #require(
                try await clock.invoices(status: nil, subscription: recovers["id"] as? String).last)
            #expect(
                try await clock.charges(of: renewal["id"] as! String) == 1,
                "one successful charge on Stripe for the invoice")
            #expect(
                try await database.count(
                    """
                    SELECT count(*)::int FROM billing.payments WHERE invoice_id = \(UUID(uuidString: renewal["id"] as! String)!)
                    """) == 1, "credited once, though both the charge's answer and its webhook arrived")
            let dunning = try await database.withAdmin { client in
                try await client.query(
                    "SELECT action, taken_on::text FROM billing.dunning_actions WHERE action = 'suspend'",
                    logger: TestDatabase.logger
                ).collect().map { try $0.decode((String, String).self) }
            }
            #expect(dunning.map(\.1) == [BillingClock.day(due, plus: 3)], "suspended on day 3 after due, once")

            // An operator records the bank transfer: the account comes back.
            let overdue = try #require(
                try await clock.invoices(status: "open", subscription: declines["id"] as? String).first)
            #expect(
                overdue["subtotal"] as? Int == 499 && overdue["tax"] as? Int == 95 && overdue["total"] as? Int == 594)
            let detail = try await sandbox.billingAPI.call("GET", "/api/billing/invoices/\(overdue["id"] as! String)")
                .json
            #expect((detail["lines"] as? [[String: Any]])?.map { $0["amount"] as? Int } == [499, 95])
            #expect(
                (detail["dunning"] as? [[String: Any]])?.compactMap { $0["action"] as? String }.sorted() == [
                    "overdue", "suspend",
                ])
            #expect(
                try await database.count("SELECT count(*)::int FROM billing.outbox WHERE type = 'payment.failed'") >= 4)
            let manual = try await sandbox.billingAPI.call(
                "POST", "/api/billing/invoices/\(overdue["id"] as! String)/payments",
                json: ["amount": overdue["total"] as! Int, "reference": "bank-123"])
            #expect(manual.status == 201)
            #expect(
                try await sandbox.billingAPI.call(
                    "POST", "/api/billing/invoices/\(overdue["id"] as! String)/payments",
                    json: ["amount": 100, "reference": "bank-123"]
                ).status == 409)
            #expect(
                await eventually(timeout: .seconds(20)) { try await suspended("declines.example") == false },
                "unsuspended")
            #expect(try await status("declines.example") == "active")

            // The next period stays unpaid: terminated on day 30, not before.
            let nextDue = try #require(try await clock.subscription(domain: "declines.example")["next_due"] as? String)
            try await clock.run(through: BillingClock.day(nextDue, plus: 29))
            #expect(try await status("declines.example") == "suspended")
            try await clock.run(through: BillingClock.day(nextDue, plus: 30))
            #expect(await eventually(timeout: .seconds(20)) { try await status("declines.example") == "terminated" })
            #expect(
                await eventually(timeout: .seconds(20)) {
                    try await sandbox.panelAccounts().allSatisfy { $0["domain"] as? String != "declines.example" }
                }, "removed from the panel")
            #expect(try await status("recovers.example") == "active")
            #expect(
                try await database.count("SELECT count(*)::int FROM billing.outbox WHERE type = 'terminate-account'")
                    == 1)
        }
    }
}

extension BillingTests {
    @Test(
        "the billing day run again and billing killed -9 twice mid-run and mid-charges: no invoice twice, no charge twice, no number skipped"
    )
    func killedMidRun() async throws {
        try await withLoadSlot {
            try await TestDatabase.with(services: ["checkout", "provisioning", "billing", "timer"]) { database in
                let sandbox = Sandbox(
                    database: database, tag: "billing-kill",
                    billingEnvironment: Self.billingEnvironment.merging(["HOSTWIRE_BILLING_BATCH_SIZE": "25"]) { $1 })
                defer { sandbox.stop() }
                try await sandbox.start(billing: true)
                // 200 customers' subscriptions with saved cards, due tomorrow; each charge takes Stripe 40 ms.
                let tomorrow = BillingClock.day(String(ISO8601DateFormatter().string(from: Date()).prefix(10)), plus: 1)
                try await Self.seedCustomers(1...200, due: tomorrow, in: database)
                #expect(
                    try await sandbox.stripeAPI.call(
                        "PUT", "/__sim/faults",
                        json: ["failure_rate": 0, "latency_ms": 40, "timeout_rate": 0, "timeout_seconds": 35]
                    ).status == 200)
                let clock = BillingClock(sandbox: sandbox)
                let advance = Task { try await clock.run(through: tomorrow) }
                try await Task.sleep(for: .milliseconds(200))
                sandbox.billing.kill()
                try await sandbox.billing.start()
                try await advance.value
                try await Task.sleep(for: .milliseconds(400))
                sandbox.billing.kill()
                try await sandbox.billing.start()
                for _ in 0..<2 {
                    let again = try await sandbox.billingAPI.call("POST", "/api/billing/runs", json: ["date": tomorrow])
                    #expect(again.status == 200)
                    #expect(
                        (again.json["invoicing"] as? [String: Any])?["invoices_created"] as? Int == 0,
                        "the day's invoices exist already")
                }
                #expect(await eventually(timeout: .seconds(90)) { try await clock.invoices(status: "open").isEmpty })
                let invoices = try await clock.invoices(status: nil)
                #expect(invoices.count == 200)
                #expect(
                    Set(invoices.compactMap { $0["number"] as? String })
                        == Set((1...200).map { String(format: "INV-%06d", $0) }))
                #expect(
                    try await database.count("SELECT count(*)::int FROM billing.payments") == 200,
                    "each invoice credited once")
                #expect(
                    try await database.count("SELECT count(*)::int FROM billing.outbox WHERE type = 'invoice.created'")
                        == 200)
                let events = try await sandbox.stripeAPI.call("GET", "/__sim/events").array
                var intents: [String: Set<String>] = [:]
                for event in events where event["type"] as? String == "payment_intent.succeeded" {
                    guard let payload = event["payload"] as? String,
                        let object = ((try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: Any])
                            .flatMap({ ($0["data"] as? [String: Any])?["object"] as? [String: Any] }),
                        let invoice = (object["metadata"] as? [String: String])?["invoice_id"],
                        let id = object["id"] as? String
                    else { continue }
                    intents[invoice, default: []].insert(id)
                }
                #expect(
                    intents.count == 200 && intents.values.allSatisfy { $0.count == 1 },
                    "one PaymentIntent per invoice on Stripe")
            }
        }
    }
}

/// Moves the timer's clock to a billing day and waits until billing has run it.
struct BillingClock {
    let sandbox: Sandbox

    static func day(_ text: String, plus days: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        let date = formatter.date(from: text)!.addingTimeInterval(Double(days) * 86_400)
        return formatter.string(from: date)
    }

    /// Advances to 03:30 UTC of `day`, so its invoicing (02:00) and dunning (03:00) slots fire, and waits for both
    /// runs to finish (invoicing is a task that commits in batches).
    func run(through day: String) async throws {
        let now =
            try await sandbox.timerAPI.call("POST", "/api/timer/clock/advance", json: ["seconds": 0.001]).json["now"]
            as? String
        let current = ISO8601DateFormatter().date(from: now ?? "")!
        let target = ISO8601DateFormatter().date(from: "\(day)T03:30:00Z")!
        if target > current {
            let reply = try await sandbox.timerAPI.call(
                "POST", "/api/timer/clock/advance", json: ["seconds": target.timeIntervalSince(current)])
            guard reply.status == 200 else { throw ShellError(description: "clock: \(reply.text)") }
        }
        // A jump of weeks fires every slot in between (hourly order expiry included): on CI's two
        // cores, with every suite running beside it, the day's runs were once seen after 60 s.
        let ran = await eventually(timeout: .seconds(180)) {
            let runs = try await sandbox.billingAPI.call("GET", "/api/billing/runs?per_page=20").array
            let kinds = Set(
                runs.filter {
                    $0["run_date"] as? String == day && $0["trigger"] as? String == "timer"
                        && $0["status"] as? String == "finished"
                }.compactMap { $0["kind"] as? String })
            return kinds == ["invoicing", "dunning"]
        }
        guard ran else { throw ShellError(description: "billing did not run \(day)") }
        try await Task.sleep(for: .milliseconds(300))
    }

    func subscription(domain: String) async throws -> [String: Any] {
        var found: [String: Any]?
        _ = await eventually(timeout: .seconds(30)) {
            found = try await sandbox.billingAPI.call("GET", "/api/billing/subscriptions").array.first {
                $0["domain"] as? String == domain
            }
            return found?["account_id"] is String
        }
        guard let found else { throw ShellError(description: "no subscription for \(domain)") }
        return found
    }

    /// Succeeded PaymentIntents on the Stripe simulator for `invoice`, from the webhooks it sent.
    func charges(of invoice: String) async throws -> Int {
        let events = try await sandbox.stripeAPI.call("GET", "/__sim/events").array
        let intents = events.compactMap { event -> String? in
            guard event["type"] as? String == "payment_intent.succeeded", let payload = event["payload"] as? String,
                let object = ((try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: Any])
                    .flatMap({ ($0["data"] as? [String: Any])?["object"] as? [String: Any] }),
                (object["metadata"] as? [String: String])?["invoice_id"] == invoice.lowercased()
            else { return nil }
            return object["id"] as? String
        }
        return Set(intents).count
    }

    func invoices(status: String?, subscription: String? = nil) async throws -> [[String: Any]] {
        var query = ["per_page=500"]
        if let status { query.append("status=\(status)") }
        if let subscription { query.append("subscription_id=\(subscription)") }
        return try await sandbox.billingAPI.call("GET", "/api/billing/invoices?" + query.joined(separator: "&")).array
    }
}

extension BillingTests {
    @Test(
        "two billing processes run the day and issue credit notes at once, each killed -9 part-way: invoice and credit-note numbers without a gap, every due subscription invoiced once"
    )
    func twoProcessesKilledMidRun() async throws {
        try await withLoadSlot {
            try await TestDatabase.with(services: ["checkout", "provisioning", "billing", "timer"]) { database in
                let sandbox = Sandbox(
                    database: database, tag: "billing-two",
                    // Two processes of pools of four: the suites around it need Postgres's connections too.
                    billingEnvironment: Self.billingEnvironment.merging([
                        "HOSTWIRE_BILLING_BATCH_SIZE": "10", "HOSTWIRE_DATABASE_POOL": "4",
                    ]) { $1 })
                defer { sandbox.stop() }
                try await sandbox.start(billing: true)
                let second = ServiceProcess(
                    executable: "hostwire-billing", environment: sandbox.billing.environment, httpPort: freePort(),
                    logName: "billing-two-billing2")
                try await second.start()
                defer { second.kill() }
                let tomorrow = BillingClock.day(String(ISO8601DateFormatter().string(from: Date()).prefix(10)), plus: 1)
                // 300 customers with a service due tomorrow; 40 more whose last invoice is paid, to credit.
                try await Self.seedCustomers(1...300, due: tomorrow, in: database)
                try await Self.seedCustomers(301...340, due: BillingClock.day(tomorrow, plus: 20), in: database)
                try await database.withAdmin { admin in
                    try await admin.query(
                        """
                        INSERT INTO billing.invoices (id, number, subscription_id, customer_id, period_start, period_end, issued_on,
                                                      due_on, subtotal, total, currency, status, amount_paid, paid_at)
                        SELECT ('00000000-0000-4000-a000-' || lpad(to_hex(n), 12, '0'))::uuid, 'INV-' || lpad((n - 300)::text, 6, '0'),
                               s.id, s.customer_id, s.started_on, s.next_due, s.started_on, s.started_on, 999, 999, 'USD', 'paid',
                               999, now()
                        FROM generate_series(301, 340) AS n
                        JOIN billing.subscriptions s ON s.id = ('00000000-0000-4000-9000-' || lpad(to_hex(n), 12, '0'))::uuid
                        """, logger: TestDatabase.logger)
                    try await admin.query("UPDATE billing.invoice_counter SET last = 40", logger: TestDatabase.logger)
                }
                let apis = [
                    sandbox.billingAPI,
                    JSONClient(port: second.httpPort, headers: ["Authorization": "Bearer \(Sandbox.adminToken)"]),
                ]
                let paid = (301...340).map { "00000000-0000-4000-a000-" + String(format: "%012x", $0) }
                // Both run the day while credit notes are issued on both; each is killed -9 part-way.
                let work = Task {
                    await withTaskGroup(of: Void.self) { group in
                        for api in apis {
                            group.addTask {
                                _ = try? await api.call(
                                    "POST", "/api/billing/runs", json: ["date": tomorrow], timeout: .seconds(10))
                            }
                        }
                        for (index, invoice) in paid.enumerated() {
                            group.addTask {
                                _ = try? await apis[index % 2].call(
                                    "POST", "/api/billing/invoices/\(invoice)/credit-notes",
                                    json: ["amount": 100, "reason": "goodwill \(index)"], timeout: .seconds(10))
                            }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                sandbox.billing.kill()
                try await Task.sleep(for: .milliseconds(300))
                second.kill()
                await work.value
                let restarted = ContinuousClock.now
                try await sandbox.billing.start()
                try await second.start()
                print("billing-two: both ready again \(ContinuousClock.now - restarted) after the kills")
                for api in apis {
                    let again = try await api.call("POST", "/api/billing/runs", json: ["date": tomorrow])
                    #expect(again.status == 200, "\(again.text)")
                }
                for (index, invoice) in paid.enumerated() {
                    // A credit note that did not land before the kill is asked for again; one that did, is not.
                    let notes = try await database.count(
                        "SELECT count(*)::int FROM billing.credit_notes WHERE invoice_id = \(UUID(uuidString: invoice)!)"
                    )
                    if notes == 0 {
                        let again = try await apis[index % 2].call(
                            "POST", "/api/billing/invoices/\(invoice)/credit-notes",
                            json: ["amount": 100, "reason": "goodwill \(index)"])
                        #expect(again.status == 201 || again.status == 200, "\(again.text)")
                    }
                }
                #expect(
                    try await database.count(
                        "SELECT count(DISTINCT subscription_id)::int FROM billing.invoice_lines WHERE period_start = \(tomorrow)::date"
                    ) == 300)
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM billing.invoice_lines WHERE period_start = \(tomorrow)::date") == 300
                )
                let invoices = try await database.count("SELECT count(*)::int FROM billing.invoices")
                #expect(invoices == 340)
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM billing.invoices WHERE number <= 'INV-' || lpad(\(invoices)::text, 6, '0')"
                    ) == invoices, "numbers 1 to \(invoices), none skipped")
                let notes = try await database.count("SELECT count(*)::int FROM billing.credit_notes")
                #expect(notes == 40)
                #expect(
                    try await database.count(
                        "SELECT count(DISTINCT number)::int FROM billing.credit_notes WHERE number <= 'CN-' || lpad(\(notes)::text, 6, '0')"
                    ) == notes, "credit notes CN-000001 to CN-\(notes), none skipped")
                #expect(try await database.count("SELECT count(*)::int FROM billing.credits") == 40)
            }
        }
    }
}

extension BillingTests {
    /// Customers `numbers` with a saved card, each with a monthly 9.99 USD subscription that
    /// started a month before `due` and falls due then. Customer n's id ends in n (hexadecimal)
    /// after `…-8000-`, its subscription's after `…-9000-`.
    static func seedCustomers(_ numbers: ClosedRange<Int>, due: String, in database: TestDatabase) async throws {
        try await database.withAdmin { admin in
            try await admin.query(
                """
                INSERT INTO billing.customers (id, email, name, payment_customer, payment_method)
                SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, 'bulk' || n || '@kill.example',
                       'Bulk ' || n, 'cus_bulk', 'pm_card_visa'
                FROM generate_series(\(numbers.lowerBound), \(numbers.upperBound)) AS n
                """, logger: TestDatabase.logger)
            try await admin.query(
                """
                INSERT INTO billing.subscriptions (id, order_id, customer_id, product_id, product_name, domain, cycle,
                                                   cycle_months, amount, currency, started_on, next_due)
                SELECT ('00000000-0000-4000-9000-' || lpad(to_hex(n), 12, '0'))::uuid, gen_random_uuid(),
                       ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, gen_random_uuid(), 'Starter',
                       'site' || n || '.kill.example', 'monthly', 1, 999, 'USD', (\(due)::date - interval '1 month')::date,
                       \(due)::date
                FROM generate_series(\(numbers.lowerBound), \(numbers.upperBound)) AS n
                """, logger: TestDatabase.logger)
        }
    }
}
