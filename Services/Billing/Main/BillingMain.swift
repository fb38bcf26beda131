import BillingService
import HTTPSupport
import ServiceKit

@main
struct BillingMain {
    static func main() async throws {
        var settings = try BillingSettings.load()
        settings.customers = try await CustomerAuthentication.load()
        settings.apiTokens.acceptStaff(settings.customers)
        let definition = buildBilling(settings)
        try await ServiceHost.run(
            definition, configuration: try ServiceConfiguration.load(service: "billing"))
    }
}
