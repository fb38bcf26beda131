import DNSSSLService
import ServiceRuntime

@main
struct DNSSSLMain {
    static func main() async throws {
        let definition = buildDNSSSL(try DNSSSLSettings.load())
        try await ServiceHost.run(definition, configuration: try ServiceConfiguration.load(service: "dnsssl", httpPort: 8083))
    }
}
