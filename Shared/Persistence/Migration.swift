import Foundation

/// One schema change: a numbered SQL script of a component (a service or a shared library).
public struct Migration: Sendable, Equatable {
    /// Who owns the script: the service name, or a shared library such as `messaging`.
    public let component: String
    public let version: Int
    public let name: String
    public let sql: String

    public init(component: String, version: Int, name: String, sql: String) {
        self.component = component
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Loads `NNNN_name.sql` files from `directory`, in version order.
    public static func load(from directory: URL, component: String) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        return try files.filter { $0.hasSuffix(".sql") }.map { file in
            let stem = file.dropLast(4)
            guard let separator = stem.firstIndex(of: "_"), let version = Int(stem[..<separator]) else {
                throw SettingsError("migration file \(file) is not named NNNN_name.sql")
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            return Migration(
                component: component, version: version, name: String(stem[stem.index(after: separator)...]), sql: sql)
        }.sorted { $0.version < $1.version }
    }

    /// A stable fingerprint of the script, stored so an edited, already-applied file is noticed.
    var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in sql.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }
}
