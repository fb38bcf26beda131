import BillingService
import ServiceRuntime

@main
struct BillingMain {
    static func main() async throws {
        let definition = buildBilling(try BillingSettings.load())
        try await ServiceHost.run(definition, configuration: try ServiceConfiguration.load(service: "billing", httpPort: 8085))
    }
}
