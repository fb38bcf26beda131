import Hummingbird
import Persistence

extension StatsWindow {
    /// The window `?days=` asks for, 30 days by default; 422 outside 1 to 90.
    public init(_ request: Request) throws {
        let text = request.uri.queryParameters.get("days") ?? "30"
        guard let days = Int(text), let window = StatsWindow(days: days) else {
            throw APIError.invalid("days", "days is 1 to 90")
        }
        self = window
    }
}
