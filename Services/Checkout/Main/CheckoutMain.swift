import CheckoutService
import ServiceRuntime

@main
struct CheckoutMain {
    static func main() async throws {
        let definition = buildCheckout(try CheckoutSettings.load())
        try await ServiceHost.run(definition, configuration: try ServiceConfiguration.load(service: "checkout", httpPort: 8081))
    }
}
