import Foundation

/// Reads settings from environment variables, with defaults that work for local use.
///
/// Every variable read is documented in docs/configuration.md.
public struct Environment: Sendable {
    let values: [String: String]

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// The variable's value, or `fallback` when unset or empty.
    public func string(_ name: String, default fallback: String) -> String {
        guard let value = values[name], !value.isEmpty else { return fallback }
        return value
    }

    /// The variable's value, or `nil` when unset or empty.
    public func optional(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// The variable as an integer; a value that is not one is a configuration error.
    public func int(_ name: String, default fallback: Int) throws -> Int {
        guard let text = optional(name) else { return fallback }
        guard let value = Int(text) else { throw SettingsError("\(name)=\(text) is not an integer") }
        return value
    }

    /// The variable as `true` or `false`; any other value is a configuration error.
    public func bool(_ name: String, default fallback: Bool) throws -> Bool {
        guard let text = optional(name) else { return fallback }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw SettingsError("\(name)=\(text) is not true or false")
        }
    }

    /// The variable as a number; a value that is not one is a configuration error.
    public func double(_ name: String, default fallback: Double) throws -> Double {
        guard let text = optional(name) else { return fallback }
        guard let value = Double(text) else { throw SettingsError("\(name)=\(text) is not a number") }
        return value
    }

    /// A secret from `NAME`, or from the file named by `NAME_FILE` (Docker secrets).
    public func secret(_ name: String) throws -> String? {
        if let path = optional("\(name)_FILE") {
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return optional(name)
    }
}
