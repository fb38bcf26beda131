import MailService
import ServiceRuntime

@main
struct MailMain {
    static func main() async throws {
        let definition = try buildMail(try MailSettings.load())
        try await ServiceHost.run(definition, configuration: try ServiceConfiguration.load(service: "mail", httpPort: 8084))
    }
}
