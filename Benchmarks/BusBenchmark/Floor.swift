import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Persistence
import PostgresNIO

/// The least CPU the parts every order must use cost on this machine, with nothing of
/// Hostwire's own around them: one HTTP exchange between an AsyncHTTPClient and a
/// Hummingbird server (two processes, keep-alive), one durable Postgres commit of a one-row
/// insert through PostgresNIO, and one PostgresNIO round trip that writes nothing. The
/// machine's whole busy time is counted (both ends, Postgres, the kernel's writeback), not
/// the hypervisor's steal.
enum Floor {
    /// Errors only: a log line per operation would be measured too.
    static let logger: Logger = {
        var logger = Logger(label: "floor")
        logger.logLevel = .error
        return logger
    }()

    /// Serves `POST /echo` with a small JSON body until killed (the other end of ``http(_:port:concurrency:)``).
    static func serve(port: Int) async throws {
        let router = Router()
        router.post("echo") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 16)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"metadata":{"result":1,"reason":"OK"},"data":{}}"#)))
        }
        try await Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger
        )
        .runService()
    }

    /// Posts `count` form bodies of ~200 bytes to `/echo`, `concurrency` at a time.
    static func http(_ count: Int, port: Int, concurrency: Int) async throws -> Measurement {
        let body =
            "username=abcdefgh&domain=shop-\(port).example&plan=starter&password=Zx8-qP3-vT6-mK2-rW9&contactemail=owner%40shop.example&api.version=1"
        return try await measure(count, concurrency: concurrency) { _ in
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/echo")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.headers.add(name: "Authorization", value: "whm root:token")
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 16)
        }
    }

    /// A one-row insert, committed on its own.
    struct Insert: PreparedStatement {
        static let sql = Self(id: UUID(), payload: "").query.sql
        var id: UUID
        var payload: String
        var query: PostgresQuery { "INSERT INTO floor_commits (id, payload) VALUES (\(id), \(payload))" }
    }

    /// Commits `count` one-row inserts, `concurrency` at a time, into a table made for it.
    static func commits(_ count: Int, url: String, concurrency: Int) async throws -> Measurement {
        try await withDatabase(url: url, concurrency: concurrency) { database in
            try await database.query("DROP TABLE IF EXISTS floor_commits")
            try await database.query("CREATE TABLE floor_commits (id uuid PRIMARY KEY, payload text NOT NULL)")
            let payload = String(repeating: "x", count: 200)
            let result = try await measure(count, concurrency: concurrency) { _ in
                try await database.run(Insert(id: UUID(), payload: payload))
            }
            try await database.query("DROP TABLE floor_commits")
            return result
        }
    }

    /// A read that touches no table: one round trip and nothing to commit.
    struct Echo: PreparedStatement {
        static let sql = Self(value: 0).query.sql
        var value: Int
        var query: PostgresQuery { "SELECT \(value)::bigint" }
    }

    /// Runs `count` prepared one-value reads, `concurrency` at a time: a round trip's floor.
    static func reads(_ count: Int, url: String, concurrency: Int) async throws -> Measurement {
        try await withDatabase(url: url, concurrency: concurrency) { database in
            try await measure(count, concurrency: concurrency) { number in
                _ = try await database.run(Echo(value: number))
            }
        }
    }

    /// Runs `body` with a pool of `concurrency` connections to `url`.
    static func withDatabase<R: Sendable>(url: String, concurrency: Int, _ body: (Database) async throws -> R)
        async throws -> R
    {
        try await withPostgresClient(try DatabaseSettings(url: url, maximumConnections: concurrency), logger: logger) {
            client in
            try await body(Database(client: client, logger: logger))
        }
    }

    /// What a run took: operations per second and the machine's CPU per operation.
    struct Measurement: CustomStringConvertible {
        let count: Int
        let seconds: Double
        let busyMilliseconds: Double
        let stolenMilliseconds: Double
        var description: String {
            String(
                format: "%d in %.2f s: %.0f/s, machine CPU %.3f ms each (%.0f ms stolen)", count, seconds,
                Double(count) / seconds, busyMilliseconds / Double(count), stolenMilliseconds)
        }
    }

    static func measure(_ count: Int, concurrency: Int, _ operation: @escaping @Sendable (Int) async throws -> Void)
        async throws -> Measurement
    {
        for number in 0..<min(count, 200) { try await operation(number) }  // warm up connections and caches
        let before = try CPUTimes.now()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<concurrency {
                group.addTask {
                    for number in stride(from: lane, to: count, by: concurrency) { try await operation(number) }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        let after = try CPUTimes.now()
        return Measurement(
            count: count, seconds: elapsed.seconds, busyMilliseconds: after.busy - before.busy,
            stolenMilliseconds: after.steal - before.steal)
    }
}

/// The machine's busy and stolen time so far, in milliseconds, from `/proc/stat`.
struct CPUTimes {
    let busy: Double
    let steal: Double

    static func now() throws -> CPUTimes {
        let line = try String(contentsOfFile: "/proc/stat", encoding: .utf8).split(separator: "\n")[0]
        // cpu user nice system idle iowait irq softirq steal …
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        let perTick = 1000 / Double(sysconf(Int32(_SC_CLK_TCK)))
        return CPUTimes(
            busy: (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]) * perTick, steal: ticks[7] * perTick)
    }
}
