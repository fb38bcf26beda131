import Contracts
import Foundation
import Secrets

/// Events as the services before a stage would publish them, for item `number` of a run.
enum Samples {
    static func domain(_ number: Int, runID: String) -> String { "load-\(runID)-\(number).example" }

    /// Provisioning's event for a fresh account; the password sealed for mail when `sealer` is given.
    static func accountProvisioned(_ number: Int, runID: String, sealer: FieldSealer?) throws -> AccountProvisioned {
        let domain = domain(number, runID: runID)
        return AccountProvisioned(
            accountID: UUID(), orderID: UUID(), customerID: UUID(), customerName: "Load \(number)",
            contactEmail: "owner@\(domain)", domain: domain, username: "load\(number)",
            serverHostname: "whm1.sandbox.test",
            serverIP: "192.0.2.10", nameservers: ["ns1.sandbox.test", "ns2.sandbox.test"], panel: "cpanel",
            controlPanelURL: "https://whm1.sandbox.test:2083", sealedPassword: try sealer?.seal("Pw-\(runID)-\(number)")
        )
    }

    /// Checkout's event for a paid monthly order of the sandbox's Starter product.
    static func orderPaid(_ number: Int, runID: String) -> OrderPaid {
        let domain = domain(number, runID: runID)
        return OrderPaid(
            orderID: UUID(), customerID: UUID(), customerEmail: "owner@\(domain)", customerName: "Load \(number)",
            productID: UUID(uuidString: "00000000-0000-4000-8000-000000000001")!, productName: "Starter Hosting",
            billingCycle: "monthly", amount: 499, currency: "USD", domain: domain,
            paymentReference: "pi_load_\(runID)_\(number)", paymentCustomer: nil, paymentMethod: nil)
    }
}
