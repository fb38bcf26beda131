import AsyncHTTPClient
import Foundation
import HummingbirdBcrypt
import Logging
import NIOCore
import NIOHTTP1
import Persistence
import PortalTokens
import PostgresNIO

/// The portal as its customers use it: `customers` people, each with a paid order, signed in
/// at once and browsing the client area in turn (the storefront, services, invoices, emails,
/// account), one page after another for `duration` seconds. Reports each page's latency
/// percentiles and the pages served per second. Each page is rendered on the server from
/// the other services' customer APIs, called with a fresh signed token; a second phase of
/// the same length makes just those calls (signed here with the portal's key,
/// `HOSTWIRE_PORTAL_SIGNING_KEY`), so what the portal adds is the difference.
struct PortalStage {
    let options: LoadMain

    static let pages = ["/", "/services", "/invoices", "/emails", "/account/security"]

    func run() async throws -> String {
        let client = try options.checkoutClient()
        let runID = LoadMain.runID()
        let customers = options.customers
        // Setup, not timed: orders placed and paid (so pages have something to show), people
        // stored verified with one bcrypt hash, then each signs in once.
        for number in 0..<customers { try await client.placeAndPay(number, runID: runID) { _ in } }
        let password = "Load-test-\(runID)-pass"
        let hash = Bcrypt.hash(password, cost: 12)
        let logger = Logger(label: "hostwire.load.portal")
        try await withPostgresClient(try DatabaseSettings(url: options.databaseURL, schema: "portal"), logger: logger) {
            database in
            for number in 0..<customers {
                try await database.query(
                    """
                    INSERT INTO people (id, email, name, password_hash, verified_at)
                    VALUES (\(UUID()), \("owner@\(Samples.domain(number, runID: runID))"), \("Load \(number)"), \(hash), now())
                    """, logger: logger)
            }
        }
        try await Task.sleep(for: .seconds(5))  // the orders' accounts, invoices and emails settle
        var browsers: [Browser] = []
        for number in 0..<customers {
            browsers.append(
                try await Browser.signIn(
                    portal: options.portal, email: "owner@\(Samples.domain(number, runID: runID))",
                    password: password, number: number))
        }
        let recorders = Dictionary(uniqueKeysWithValues: Self.pages.map { ($0, LatencyRecorder()) })
        let deadline = ContinuousClock.now + .seconds(options.duration)
        let started = ContinuousClock.now
        let served = try await withThrowingTaskGroup(of: Int.self) { group in
            for (number, browser) in browsers.enumerated() {
                group.addTask {
                    var count = 0
                    var page = number % Self.pages.count
                    while ContinuousClock.now < deadline {
                        let path = Self.pages[page]
                        let key = "\(number)-\(count)"
                        recorders[path]!.start(key)
                        do {
                            let status = try await browser.get(path)
                            guard status == 200 else { throw LoadError("\(path) answered \(status)") }
                            recorders[path]!.finish(key)
                        } catch {
                            recorders[path]!.fail(error, key: key)
                        }
                        count += 1
                        page = (page + 1) % Self.pages.count
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let seconds = Double((ContinuousClock.now - started).components.seconds)
        var report =
            "\nstage portal: \(customers) signed-in customers browsing for \(options.duration) s: "
            + "\(served) pages, \(Int(Double(served) / max(seconds, 1))) pages/s\n"
        for path in Self.pages { report += recorders[path]!.summary("GET \(path)") + "\n" }
        if let key = ProcessInfo.processInfo.environment["HOSTWIRE_PORTAL_SIGNING_KEY"] {
            report += try await apiAlone(
                signer: try await PortalTokenSigner(privateKey: key),
                emails: (0..<customers).map {
                    "owner@\(Samples.domain($0, runID: runID))"
                }, logger: logger)
        }
        return report
    }

    /// The customer API calls behind each page, per page (the account page makes none).
    static let calls: [String: [(port: Int, path: String, signed: Bool)]] = [
        "/": [(8081, "/api/catalog/products", false)],
        "/services": [
            (8082, "/api/customer/accounts?per_page=100", true),
            (8085, "/api/customer/subscriptions?per_page=100", true),
            (8083, "/api/customer/zones", true),
        ],
        "/invoices": [
            (8085, "/api/customer/invoices?per_page=100", true), (8085, "/api/customer/balance", true),
            (8085, "/api/customer/card", true),
        ],
        "/emails": [(8084, "/api/customer/messages?per_page=100", true)],
    ]

    /// The same customers making only the pages' API calls, concurrently per page as the portal
    /// does, each with a freshly signed token, for the same duration.
    private func apiAlone(signer: PortalTokenSigner, emails: [String], logger: Logger) async throws -> String {
        let linked = try await withPostgresClient(
            try DatabaseSettings(url: options.databaseURL, schema: "portal"), logger: logger
        ) { database in
            try await database.query(
                "SELECT email, customer_id FROM people WHERE email = ANY(\(emails)) AND customer_id IS NOT NULL",
                logger: logger
            ).collect().map { try $0.decode((String, UUID).self) }
        }
        let paths = Self.pages.filter { Self.calls[$0] != nil }
        let recorders = Dictionary(uniqueKeysWithValues: paths.map { ($0, LatencyRecorder()) })
        let deadline = ContinuousClock.now + .seconds(options.duration)
        let started = ContinuousClock.now
        let served = try await withThrowingTaskGroup(of: Int.self) { group in
            for (number, (email, customer)) in linked.enumerated() {
                group.addTask {
                    var count = 0
                    var page = number % paths.count
                    while ContinuousClock.now < deadline {
                        let path = paths[page]
                        let key = "\(number)-\(count)"
                        recorders[path]!.start(key)
                        do {
                            try await withThrowingTaskGroup(of: Void.self) { calls in
                                for call in Self.calls[path]! {
                                    calls.addTask {
                                        let token =
                                            call.signed ? try await signer.token(customer: customer, email: email) : nil
                                        let status = try await Self.get(
                                            "http://127.0.0.1:\(call.port)\(call.path)", token)
                                        guard status == 200 else { throw LoadError("\(call.path) answered \(status)") }
                                    }
                                }
                                try await calls.waitForAll()
                            }
                            recorders[path]!.finish(key)
                        } catch {
                            recorders[path]!.fail(error, key: key)
                        }
                        count += 1
                        page = (page + 1) % paths.count
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let seconds = Double((ContinuousClock.now - started).components.seconds)
        var report =
            "the same pages' API calls alone, \(linked.count) customers for \(options.duration) s: "
            + "\(served) pages' calls, \(Int(Double(served) / max(seconds, 1))) pages/s\n"
        for path in paths { report += recorders[path]!.summary("API of \(path)") + "\n" }
        return report
    }

    private static func get(_ url: String, _ token: String?) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 4 << 20)
        return Int(response.status.code)
    }
}

/// One signed-in customer: their session cookie, sent with every page asked for, from their
/// own address (as a proxy the portal trusts names it, `HOSTWIRE_TRUSTED_PROXIES`), so the
/// per-address login limit sees many customers, not one.
struct Browser: Sendable {
    let portal: String
    let cookies: String
    let address: String

    /// Logs in as a person would: the login form for its CSRF cookie and token, then the form posted.
    static func signIn(portal: String, email: String, password: String, number: Int) async throws -> Browser {
        let address = "198.51.\(100 + number / 250).\(1 + number % 250)"
        let form = try await send(.GET, portal + "/login", cookies: "", address: address)
        guard
            let token = form.body.range(of: #"name="csrf" value=""#).map({
                form.body[$0.upperBound...].prefix { $0 != "\"" }
            })
        else {
            throw LoadError("no CSRF token on the login form")
        }
        let body =
            "csrf=\(token)&email=\(email.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? email)"
            + "&password=\(password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? password)"
        let posted = try await send(.POST, portal + "/login", cookies: form.cookies, address: address, body: body)
        guard posted.status == 303 || posted.status == 302, posted.cookies.contains("hw_session=") else {
            let heading = posted.body.range(of: "<h1>").map { posted.body[$0.upperBound...].prefix { $0 != "<" } } ?? ""
            throw LoadError("login of \(email) answered \(posted.status): \(heading)")
        }
        return Browser(portal: portal, cookies: posted.cookies, address: address)
    }

    /// A client that hands redirects back, as a browser's cookie jar needs them.
    private static let http = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(redirectConfiguration: .disallow))

    func get(_ path: String) async throws -> Int {
        try await Self.send(.GET, portal + path, cookies: cookies, address: address).status
    }

    private static func send(
        _ method: HTTPMethod, _ url: String, cookies: String, address: String,
        body: String? = nil
    ) async throws -> (status: Int, body: String, cookies: String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "X-Forwarded-For", value: address)
        if !cookies.isEmpty { request.headers.add(name: "Cookie", value: cookies) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 4 << 20))
        // The cookies the browser holds next: those sent, replaced by those set.
        var jar = Dictionary(
            cookies.split(separator: ";").compactMap { pair -> (String, String)? in
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(
                    String.init)
                return parts.count == 2 ? (parts[0], parts[1]) : nil
            }, uniquingKeysWith: { $1 })
        for header in response.headers["Set-Cookie"] {
            let pair = header.split(separator: ";").first.map(String.init) ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { jar[parts[0]] = parts[1] }
        }
        return (Int(response.status.code), text, jar.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; "))
    }
}
