import Hummingbird

extension PanelState {
    /// `GET /__sim/accounts`: the panel's accounts as the simulator holds them, for tests that
    /// check from outside what a real panel would show in its own pages.
    func addInspectionRoutes(to router: Router<BasicRequestContext>) {
        router.get("__sim/accounts") { _, _ in
            JSONBody(
                self.all.map {
                    [
                        "user": $0.username, "domain": $0.domain, "plan": $0.plan,
                        "suspended": $0.suspended ? "1" : "0",
                        "mailboxes": $0.mailboxes.sorted().joined(separator: ","),
                        "databases": $0.databases.sorted().joined(separator: ","),
                        "certificates": $0.certificates.keys.sorted().joined(separator: ","),
                    ]
                })
        }
    }
}
