import Foundation
import Synchronization

/// A real server the tests run (SMTP, PowerDNS, Pebble): started with its output in a log
/// file, ended with SIGKILL, as an outage looks and as nothing it holds needs flushing.
final class ChildProcess: Sendable {
    private let process = Mutex<Process?>(nil)

    func start(_ executable: String, _ arguments: [String], environment: [String: String] = [:], log: URL? = nil) throws
    {
        try process.withLock { slot in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            if let log {
                if !FileManager.default.fileExists(atPath: log.path) {
                    FileManager.default.createFile(atPath: log.path, contents: nil)
                }
                let handle = try FileHandle(forWritingTo: log)
                handle.seekToEndOfFile()
                process.standardOutput = handle
                process.standardError = handle
            } else {
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
            }
            try process.run()
            slot = process
        }
    }

    func kill() {
        process.withLock { slot in
            if let process = slot, process.isRunning {
                Glibc.kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            slot = nil
        }
    }
}
