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

    static let names = ["welcome", "order-confirmation", "invoice-created", "payment-receipt", "payment-failed",
                        "payment-reminder", "overdue-reminder", "suspension-notice", "unsuspension", "termination", "certificate-expiring",
                        "password-changed", "operator-alert", "verify-email", "password-reset", "staff-invitation",
                        "cancellation-confirmed", "payment-refunded"]

    private let templates: [String: (subject: MustacheTemplate, text: MustacheTemplate, html: MustacheTemplate)]

    /// Loads every template now, so a broken one stops the service at start, not at send.
    init(defaults: URL, overrides: URL?) throws {
        var templates: [String: (MustacheTemplate, MustacheTemplate, MustacheTemplate)] = [:]
        for name in Self.names {
            func load(_ part: String, plain: Bool) throws -> MustacheTemplate {
                let file = "\(name).\(part).mustache"
                let override = overrides?.appendingPathComponent(file)
                let url = override.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }
                    ?? defaults.appendingPathComponent(file)
                var source = try String(contentsOf: url, encoding: .utf8)
                if part == "subject" { source = source.trimmingCharacters(in: .whitespacesAndNewlines) }
                do {
                    return try MustacheTemplate(string: (plain ? "{{% CONTENT_TYPE: TEXT}}" : "") + source)
                } catch {
                    throw TemplateError(description: "\(url.path) does not parse: \(error)")
                }
            }
            templates[name] = (try load("subject", plain: true), try load("text", plain: true), try load("html", plain: false))
        }
        self.templates = templates
    }

    func render(_ name: String, _ variables: [String: Any]) throws -> Rendered {
        guard let template = templates[name] else { throw TemplateError(description: "no template \(name)") }
        return Rendered(subject: template.subject.render(variables).replacingOccurrences(of: "\n", with: " "),
                        text: template.text.render(variables), html: template.html.render(variables))
    }
}

struct TemplateError: Error, CustomStringConvertible {
    let description: String
}
