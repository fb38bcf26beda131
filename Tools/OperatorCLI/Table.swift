import Foundation

/// Rows of JSON objects as an aligned text table of the named columns.
struct Table {
    let columns: [String]
    let rows: [[String: Any]]

    var rendered: String {
        let cells = rows.map { row in columns.map { Self.text(row[$0]) } }
        let widths = columns.indices.map { index in ([columns[index]] + cells.map { $0[index] }).map(\.count).max() ?? 0
        }
        let line = { (values: [String]) in
            zip(values, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return ([line(columns.map { $0.uppercased() })] + cells.map(line)).joined(separator: "\n")
            + (rows.isEmpty ? "\n(none)" : "")
    }

    static func text(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: "-"
        case let array as [Any]: array.map { text($0) }.joined(separator: ",")
        case let string as String: string.count > 48 ? String(string.prefix(45)) + "..." : string
        case let some?: "\(some)"
        }
    }
}
