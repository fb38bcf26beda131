import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs helper scripts and finds the project's files and built executables.
public enum Shell {
    /// Runs `executable` with `arguments` (and `environment` over this process's) and waits;
    /// throws with its output if it fails.
    ///
    /// Uses `posix_spawn` and `waitpid` directly: Foundation's `Process` can miss the exit of
    /// a script that leaves a daemon behind (as `pg_ctl start` does), and the output goes to
    /// a file rather than a pipe that such a daemon would hold open.
    @discardableResult
    public static func run(_ executable: String, environment: [String: String] = [:], _ arguments: [String]) throws
        -> String
    {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hostwire-shell-\(UUID().uuidString)"
        ).path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let merged = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw ShellError(description: "cannot start \(executable): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exitCode = (status >> 8) & 0xff
        guard status & 0x7f == 0, exitCode == 0 else {
            throw ShellError(
                description: "\(executable) \(arguments.joined(separator: " ")) failed (status \(status)): \(output)")
        }
        return output
    }
}

public struct ShellError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// Where things are.
public enum Paths {
    /// The package root (found from this file's location).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// The checked-in topology: the services' names, queues and ports.
    public static var topology: String { root.appendingPathComponent("deploy/topology.conf").path }

    /// The folder `swift build` put the executables in.
    public static var binaries: URL {
        if let dir = ProcessInfo.processInfo.environment["HOSTWIRE_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }
}
