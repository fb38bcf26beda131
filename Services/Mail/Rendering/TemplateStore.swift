import Foundation
import Mustache

/// The email templates: for each name a subject, a plain-text and an HTML part, read from
/// `<name>.subject|text|html.mustache` in the override folder first, then the defaults.
///
/// HTML parts escape every value; subject and text parts do not (they are not HTML).
struct TemplateStore: Sendable {
    struct Rendered: Sendable {
        let subject: String
        let text: String
        let html: String
    }

    static let names = [
        "welcome", "order-confirmation", "invoice-created", "payment-receipt", "payment-failed",
        "payment-reminder", "overdue-reminder", "suspension-notice", "unsuspension", "termination",
        "certificate-expiring",
        "password-changed", "operator-alert", "verify-email", "password-reset", "staff-invitation",
        "cancellation-confirmed", "payment-refunded", "confirm-email-change", "email-changed", "credit-note",
        "usage-warning", "account-restored",
    ]

    /// A template's three parts, compiled.
    struct Compiled: Sendable {
        let subject: MustacheTemplate, text: MustacheTemplate, html: MustacheTemplate

        func render(_ variables: [String: Any]) -> Rendered {
            Rendered(
                subject: subject.render(variables).replacingOccurrences(of: "\n", with: " "),
                text: text.render(variables),
                html: html.render(variables))
        }
    }

    /// A template's three parts as written.
    struct Source: Sendable, Codable {
        let subject: String, text: String, html: String
    }

    private let templates: [String: Compiled]
    /// The file templates' text, for the console to show and start edits from.
    let sources: [String: Source]

    /// Loads every template now, so a broken one stops the service at start, not at send.
    init(defaults: URL, overrides: URL?) throws {
        var templates: [String: Compiled] = [:]
        var sources: [String: Source] = [:]
        for name in Self.names {
            func read(_ part: String) throws -> String {
                let file = "\(name).\(part).mustache"
                let override = overrides?.appendingPathComponent(file)
                let url =
                    override.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }
                    ?? defaults.appendingPathComponent(file)
                return try String(contentsOf: url, encoding: .utf8)
            }
            let source = Source(subject: try read("subject"), text: try read("text"), html: try read("html"))
            do {
                templates[name] = try Self.compile(source)
            } catch {
                throw TemplateError(description: "\(name) does not parse: \(error)")
            }
            sources[name] = source
        }
        self.templates = templates
        self.sources = sources
    }

    /// Compiles `source`: subject and text as plain text, HTML with every value escaped.
    static func compile(_ source: Source) throws -> Compiled {
        Compiled(
            subject: try MustacheTemplate(
                string: "{{% CONTENT_TYPE: TEXT}}" + source.subject.trimmingCharacters(in: .whitespacesAndNewlines)),
            text: try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + source.text),
            html: try MustacheTemplate(string: source.html))
    }

    func render(_ name: String, _ variables: [String: Any]) throws -> Rendered {
        guard let template = templates[name] else { throw TemplateError(description: "no template \(name)") }
        return template.render(variables)
    }
}

struct TemplateError: Error, CustomStringConvertible {
    let description: String
}
