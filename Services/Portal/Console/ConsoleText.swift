import Foundation

/// How the console writes what the services answer.
enum ConsoleText {
    /// A service's ISO 8601 time as the portal writes times; a dash when there is none.
    static func time(_ value: Any?) -> String {
        guard let text = value as? String,
              let date = (try? Date(text, strategy: .iso8601)) ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
        else { return "—" }
        return AccountController.dateTime(date)
    }
}
