import Foundation

/// Prints an HTML page to PDF with a headless Chromium (`--print-to-pdf`), in a process of
/// its own: a browser that hangs or crashes takes nothing of billing with it.
struct PDFPrinter: Sendable {
    /// The browser's executable (`HOSTWIRE_INVOICE_PDF_BROWSER`, such as `/usr/bin/chromium`).
    let browser: String
    /// How long one page may take before the browser is stopped and the task retried.
    var timeout: Duration = .seconds(60)
    /// Browsers running at once: each is a dozen processes and a few hundred megabytes, and a
    /// container's process limit (Podman's default is 2048 threads) is soon reached.
    let slots = BrowserSlots(limit: 2)

    /// `name` as an executable's path: itself when it has a slash, else the first match on `path`.
    static func executable(_ name: String, path: String) -> String? {
        let candidates = name.contains("/") ? [name] : path.split(separator: ":").map { "\($0)/\(name)" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// The PDF of `html`, which must need nothing from the network (styles inline, no images fetched).
    func print(_ html: String) async throws -> [UInt8] {
        await slots.acquire()
        do {
            let pdf = try await printAlone(html)
            await slots.release()
            return pdf
        } catch {
            await slots.release()
            throw error
        }
    }

    private func printAlone(_ html: String) async throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hostwire-pdf-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("invoice.html")
        let output = directory.appendingPathComponent("invoice.pdf")
        try Data(html.utf8).write(to: page)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-pdf-header-footer", "--user-data-dir=\(directory.appendingPathComponent("profile").path)",
            "--print-to-pdf=\(output.path)", page.absoluteString,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        // Cancelled (the service is stopping): the browser goes too, or the task group would wait
        // for it to finish printing.
        let status = try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Int32?.self) { group in
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                        do { try process.run() } catch { continuation.resume(throwing: error) }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                let first = try await group.next() ?? nil
                if first == nil, process.isRunning { process.terminate() }
                return first
            }
        } onCancel: {
            if process.isRunning { process.terminate() }
        }
        guard let status else { throw Failed(description: "the browser took longer than \(timeout)") }
        guard status == 0, let pdf = try? Data(contentsOf: output), pdf.starts(with: Array("%PDF".utf8)) else {
            throw Failed(description: "the browser exited with \(status) and no PDF")
        }
        return Array(pdf)
    }
}
