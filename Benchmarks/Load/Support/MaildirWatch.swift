import Foundation

/// Hands each email that arrives in the Maildir at `path` (the SMTP sink's) to `handle`, with
/// its lower-cased recipient, subject and arrival time, while `body` runs.
///
/// The arrival time is the file's modification time: when the SMTP server finished
/// receiving it, which is what a customer waiting for the email sees.
func withMaildir<R>(
    _ path: String, _ handle: @escaping @Sendable (_ recipient: String, _ subject: String, _ arrived: Date) -> Void,
    _ body: () async throws -> R
) async rethrows -> R {
    let folder = URL(fileURLWithPath: path).appendingPathComponent("new")
    let seen = Set((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
    let watcher = Task {
        var seen = seen
        while !Task.isCancelled {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            where !seen.contains(name) {
                let file = folder.appendingPathComponent(name)
                guard
                    let arrived = (try? FileManager.default.attributesOfItem(atPath: file.path))?[.modificationDate]
                        as? Date,
                    let head = try? Data(contentsOf: file).prefix(4096)
                else { continue }
                seen.insert(name)
                let headers = headerFields(String(decoding: head, as: UTF8.self))
                handle(address(headers["to"] ?? ""), headers["subject"] ?? "", arrived)
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
    defer { watcher.cancel() }
    return try await body()
}

/// The header fields before the first blank line, by lower-cased name (unfolded, first wins).
private func headerFields(_ text: String) -> [String: String] {
    var fields: [String: String] = [:]
    // The sink stores messages with the platform's line ends; folded lines continue with a blank.
    let head = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n\n", maxSplits: 1).first ?? ""
    for line in head.replacingOccurrences(of: "\n ", with: " ").replacingOccurrences(of: "\n\t", with: " ").split(
        separator: "\n")
    {
        guard let colon = line.firstIndex(of: ":") else { continue }
        let name = line[..<colon].lowercased()
        if fields[name] == nil { fields[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
    }
    return fields
}

/// `addr` out of `Name <addr>`, lower-cased.
private func address(_ header: String) -> String {
    guard let open = header.lastIndex(of: "<"), let close = header.lastIndex(of: ">"), open < close else {
        return header.lowercased()
    }
    return header[header.index(after: open)..<close].lowercased()
}
