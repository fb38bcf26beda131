import Foundation
import Persistence
import PostgresNIO
import Synchronization

/// The operator's versions of the templates (mail's `template_versions`): the newest of a name
/// is in force, else the file template. Versions are compiled once and kept by number.
struct TemplateVersions: Sendable {
    let database: Database
    let files: TemplateStore
    let cache: CompiledTemplates

    /// One version as stored.
    struct Version: Encodable {
        let version: Int, subject: String, text: String, html: String, author: String, createdAt: Date
        enum CodingKeys: String, CodingKey {
            case version, subject, text, html, author
            case createdAt = "created_at"
        }
    }

    /// `name` rendered with the version in force.
    func render(_ name: String, _ variables: [String: Any]) async throws -> TemplateStore.Rendered {
        guard
            let row = try await database.query(
                """
                SELECT version, subject, text, html FROM template_versions WHERE name = \(name) ORDER BY version DESC LIMIT 1
                """
            ).first
        else { return try files.render(name, variables) }
        let (version, subject, text, html) = try row.decode((Int, String, String, String).self)
        if let cached = cache.entries.withLock({ $0[name] }), cached.version == version {
            return cached.template.render(variables)
        }
        let template = try TemplateStore.compile(.init(subject: subject, text: text, html: html))
        cache.entries.withLock { $0[name] = (version, template) }
        return template.render(variables)
    }

    /// The version in force of every template that has one, by name (the text left out).
    func inForce() async throws -> [String: (version: Int, author: String, createdAt: Date)] {
        var newest: [String: (version: Int, author: String, createdAt: Date)] = [:]
        for row in try await database.query(
            """
            SELECT DISTINCT ON (name) name, version, author, created_at FROM template_versions ORDER BY name, version DESC
            """)
        {
            let (name, version, author, created) = try row.decode((String, Int, String, Date).self)
            newest[name] = (version, author, created)
        }
        return newest
    }

    /// Every stored version of `name`, newest first.
    func versions(_ name: String) async throws -> [Version] {
        try await database.query(
            """
            SELECT version, subject, text, html, author, created_at FROM template_versions WHERE name = \(name) ORDER BY version DESC
            """
        ).map { row in
            let (version, subject, text, html, author, created) = try row.decode(
                (Int, String, String, String, String, Date).self)
            return Version(
                version: version, subject: subject, text: text, html: html, author: author, createdAt: created)
        }
    }

    /// Stores `source` as the next version of `name` once it compiles; answers its number.
    func save(_ name: String, _ source: TemplateStore.Source, author: String) async throws -> Int {
        _ = try TemplateStore.compile(source)
        // Two saves at once: the second's number is taken, so it tries the next.
        for _ in 0..<5 {
            if let row = try await database.query(
                """
                INSERT INTO template_versions (name, version, subject, text, html, author)
                SELECT \(name), coalesce(max(version), 0) + 1, \(source.subject), \(source.text), \(source.html), \(author)
                FROM template_versions WHERE name = \(name)
                ON CONFLICT DO NOTHING RETURNING version
                """
            ).first {
                return try row.decode(Int.self)
            }
        }
        throw TemplateError(description: "\(name) is being changed by someone else: try again")
    }
}

/// The versions compiled so far, by name: shared by the sending task and the API of one process.
final class CompiledTemplates: Sendable {
    let entries = Mutex<[String: (version: Int, template: TemplateStore.Compiled)]>([:])
}
