import Foundation
import Hummingbird

extension PanelState {
    /// `GET /__sim/accounts`: the panel's accounts as the simulator holds them, for tests that
    /// check from outside what a real panel would show in its own pages.
    func addInspectionRoutes(to router: Router<BasicRequestContext>) {
        router.get("__sim/accounts") { _, _ in JSONBody(self.all.map(self.inspected)) }
        backups.addInspectionRoutes(to: router)
        // What the account uses, as the panel would measure it.
        router.put("__sim/accounts/{user}/usage") { request, context -> HTTPResponse.Status in
            let usage = try await request.decode(as: Usage.self, context: context)
            let user = context.parameters.get("user") ?? ""
            return self.update(user) {
                $0.diskMB = usage.diskMB
                $0.bandwidthMB = usage.bandwidthMB
            } ? .noContent : .notFound
        }
        // Accounts made at once, for load runs: `prefix1` … `prefixN` on `prefixN.example`.
        router.post("__sim/accounts/seed") { request, context -> HTTPResponse.Status in
            let seed = try await request.decode(as: Seed.self, context: context)
            guard (1...100_000).contains(seed.count) else { return .badRequest }
            for number in 1...seed.count {
                _ = self.create(
                    username: "\(seed.prefix)\(number)", domain: "\(seed.prefix)\(number).example",
                    plan: seed.plan ?? "default",
                    password: "seeded", email: "owner@\(seed.prefix)\(number).example")
                _ = self.update("\(seed.prefix)\(number)") { $0.diskMB = seed.diskMB ?? 0 }
            }
            return .created
        }
    }

    /// One account as `GET /__sim/accounts` shows it, every value a string.
    func inspected(_ account: SimulatedAccount) -> [String: String] {
        let limits = limits(of: account)
        func own(_ value: Int?) -> String { value.map { $0 > 0 ? String($0) : "unlimited" } ?? "plan" }
        return [
            "user": account.username, "domain": account.domain, "plan": account.plan,
            "suspended": account.suspended ? "1" : "0",
            "mailboxes": account.mailboxes.sorted().joined(separator: ","),
            "databases": account.databases.sorted().joined(separator: ","),
            "certificates": account.certificates.keys.sorted().joined(separator: ","),
            "disk_mb": String(account.diskMB), "bandwidth_mb": String(account.bandwidthMB),
            "disk_limit_mb": limits.diskMB.map(String.init) ?? "unlimited",
            "bandwidth_limit_mb": limits.bandwidthMB.map(String.init) ?? "unlimited",
            "max_mailboxes": own(account.limits.mailboxes), "max_databases": own(account.limits.databases),
        ]
    }

    struct Usage: Decodable {
        let diskMB: Int
        let bandwidthMB: Int
        enum CodingKeys: String, CodingKey {
            case diskMB = "disk_mb"
            case bandwidthMB = "bandwidth_mb"
        }
    }

    struct Seed: Decodable {
        let prefix: String
        let count: Int
        let plan: String?
        let diskMB: Int?
        enum CodingKeys: String, CodingKey {
            case prefix, count, plan
            case diskMB = "disk_mb"
        }
    }
}
