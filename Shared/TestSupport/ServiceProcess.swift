import AsyncHTTPClient
import Foundation
import Synchronization
import Testing

/// A built service executable run as a child process, to be killed and restarted by tests.
public final class ServiceProcess: Sendable {
    public let executable: String
    public let environment: [String: String]
    public let logFile: URL
    /// The HTTP port whose `/ready` says the process is up.
    public let httpPort: Int
    private let process = Mutex<Process?>(nil)

    public init(executable: String, environment: [String: String], httpPort: Int, logName: String) {
        self.executable = executable
        self.environment = environment.merging(["HOSTWIRE_HTTP_PORT": "\(httpPort)"]) { $1 }
        self.httpPort = httpPort
        let logs = Paths.root.appendingPathComponent("var/test-logs")
        try? FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        logFile = logs.appendingPathComponent("\(logName).log")
    }

    /// Starts the process and waits until `/ready` answers 200. A port found taken at start
    /// (the process says `Address already in use`) is tried again for a few seconds: a port
    /// freed by a killed process can linger briefly. `changes` overrides settings for this
    /// run only: a new instance with another configuration.
    public func start(timeout: Duration = .seconds(60), changing changes: [String: String] = [:]) async throws {
        for attempt in 1... {
            let logged = (try? FileManager.default.attributesOfItem(atPath: logFile.path)[.size] as? Int) ?? 0
            do {
                return try await launch(timeout: timeout, environment: environment.merging(changes) { $1 })
            } catch is ShellError where attempt < 6 && portWasTaken(since: logged) {
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func portWasTaken(since offset: Int) -> Bool {
        guard let data = FileManager.default.contents(atPath: logFile.path), data.count > offset else { return false }
        return String(decoding: data[offset...], as: UTF8.self).contains("Address already in use")
    }

    private func launch(timeout: Duration, environment: [String: String]) async throws {
        try process.withLock { slot in
            let process = Process()
            // A path is a program of its own (a script); a name is one of the package's executables.
            process.executableURL =
                executable.hasPrefix("/")
                ? URL(fileURLWithPath: executable) : Paths.binaries.appendingPathComponent(executable)
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.currentDirectoryURL = Paths.root
            if !FileManager.default.fileExists(atPath: logFile.path) {
                FileManager.default.createFile(atPath: logFile.path, contents: nil)
            }
            let log = try FileHandle(forWritingTo: logFile)
            log.seekToEndOfFile()
            process.standardOutput = log
            process.standardError = log
            try process.run()
            slot = process
        }
        do {
            try await waitUntilReady(timeout: timeout)
        } catch {
            // Its death is this start's error; `stop()` must not report it again.
            process.withLock { slot in if slot?.isRunning == false { slot = nil } }
            throw error
        }
    }

    /// `kill -9`: no goodbye, no flush.
    public func kill() {
        process.withLock { slot in
            if let process = slot, process.isRunning {
                Glibc.kill(process.processIdentifier, SIGKILL)
                Self.waitForExit(process.processIdentifier)
            }
            slot = nil
        }
    }

    /// SIGTERM, then wait for a graceful exit. A process found already dead, which no test
    /// killed, crashed: that is recorded as an issue, since a test that waited on it would
    /// otherwise fail only by timing out.
    public func stop() {
        process.withLock { slot in
            if let process = slot, process.isRunning {
                process.terminate()
                Self.waitForExit(process.processIdentifier)
            } else if let process = slot {
                Issue.record("\(executable) died on its own (status \(process.terminationStatus)); see \(logFile.path)")
            }
            slot = nil
        }
    }

    /// Waits until child `pid` has exited (a zombie, or reaped), reading /proc rather than
    /// `Process.waitUntilExit()`: Foundation learns of the exit on a dispatch worker, and with
    /// tests on a two-core machine blocking both workers in `stop()` at once it never did
    /// (two suites hung for ever, their children zombies).
    private static func waitForExit(_ pid: pid_t) {
        while let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) {
            // "pid (command) S …": the state follows the command's closing parenthesis.
            guard let close = stat.lastIndex(of: ")") else { return }
            if stat[close...].dropFirst(2).first == "Z" { return }
            usleep(10_000)
        }
    }

    /// The running process's id, to tell a restarted process from one that kept running.
    public var processIdentifier: Int32? { process.withLock { $0.map(\.processIdentifier) } }

    /// Whether the process is alive.
    public var isRunning: Bool { process.withLock { $0?.isRunning ?? false } }

    private func waitUntilReady(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        let ready = HTTPClientRequest(url: "http://127.0.0.1:\(httpPort)/ready")
        while ContinuousClock.now < deadline {
            guard isRunning else {
                throw ShellError(description: "\(executable) exited during start; see \(logFile.path)")
            }
            if let reply = try? await JSONClient.send(ready, timeout: .seconds(5)), reply.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ShellError(description: "\(executable) not ready after \(timeout); see \(logFile.path)")
    }

    deinit { kill() }
}
