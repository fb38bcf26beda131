import HTTPSupport
import ServiceKit
import TimerService

@main
struct TimerMain {
    static func main() async throws {
        var settings = try TimerSettings.load()
        settings.apiTokens.acceptStaff(try await CustomerAuthentication.load())
        let definition = buildTimer(settings)
        try await ServiceHost.run(
            definition, configuration: try ServiceConfiguration.load(service: "timer"))
    }
}
