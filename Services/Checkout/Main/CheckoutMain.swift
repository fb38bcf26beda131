import CheckoutService
import HTTPSupport
import ServiceKit

@main
struct CheckoutMain {
    static func main() async throws {
        var settings = try CheckoutSettings.load()
        settings.customers = try await CustomerAuthentication.load()
        settings.apiTokens.acceptStaff(settings.customers)
        let definition = buildCheckout(settings)
        try await ServiceHost.run(
            definition, configuration: try ServiceConfiguration.load(service: "checkout"))
    }
}
