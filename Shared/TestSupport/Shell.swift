import Foundation

/// Runs helper scripts and finds the project's files and built executables.
public enum Shell {
    /// Runs `executable` with `arguments` and waits; throws with its output if it fails.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ShellError(description: "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(output)")
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

    /// The folder `swift build` put the executables in.
    public static var binaries: URL {
        if let dir = ProcessInfo.processInfo.environment["HOSTWIRE_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }
}
