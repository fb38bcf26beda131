import Foundation
import HTTPTypes
import Hummingbird

/// Plesk: REST API v2 under `/api/v2` (`X-API-Key` or Basic), its CLI bridge for `mail`
/// and `subscription`, and the XML API packet endpoint for certificates.
struct PleskSimulator: Sendable {
    let state: PanelState
    let credentials: SimulatorCredentials
    let sessions = PanelSessions()

    func addRoutes(to router: Router<BasicRequestContext>) {
        state.addInspectionRoutes(to: router)
        let api = router.group("api/v2").add(middleware: PleskAuth(credentials: credentials))
        api.get("server") { _, _ in
            JSONBody(["hostname": "plesk.sandbox.test", "platform": "Unix", "panel_version": "18.0.62"])
        }
        api.get("clients") { _, _ in JSONBody(state.all.map(client)) }
        api.post("clients") { request, context -> Response in
            struct New: Decodable {
                let login: String
                let password: String
                let email: String?
                let name: String?
            }
            guard let new = try? await request.decode(as: New.self, context: context) else {
                return problem(400, "Invalid request body")
            }
            guard new.login.count <= 60, new.login.first?.isLetter == true else { return problem(400, "Invalid login") }
            // A Plesk customer without a subscription yet: the domain is filled in by POST /domains.
            if let refusal = state.create(
                username: new.login, domain: "", plan: "", password: new.password, email: new.email ?? "")
            {
                return problem(409, refusal)
            }
            return jsonResponse(
                ["id": AnyCodable.int(state.account(new.login)!.id), "guid": .string(UUID().uuidString)],
                status: .created)
        }
        api.get("clients/{id}") { _, context -> Response in
            guard let account = account(context) else { return problem(404, "Client not found") }
            return jsonResponse(client(account))
        }
        api.put("clients/{id}") { request, context -> Response in
            struct Change: Decodable { let password: String? }
            guard let account = account(context) else { return problem(404, "Client not found") }
            let change = try await request.decode(as: Change.self, context: context)
            _ = state.update(account.username) { if let password = change.password { $0.password = password } }
            return jsonResponse(["id": account.id])
        }
        api.delete("clients/{id}") { request, context -> Response in
            guard let account = account(context) else { return problem(404, "Client not found") }
            _ = state.remove(account.username)
            return jsonResponse(["status": "deleted"])
        }
        for (action, suspended) in [("suspend", true), ("activate", false)] {
            api.put("clients/{id}/\(action)") { request, context -> Response in
                guard let account = account(context) else { return problem(404, "Client not found") }
                _ = state.update(account.username) {
                    $0.suspended = suspended
                    $0.suspendReason = suspended ? "suspended" : nil
                }
                return jsonResponse(["status": suspended ? "suspended" : "active"])
            }
        }
        // The domain's own zone as Plesk keeps it, with its DKIM key (`default._domainkey`).
        api.get("dns/records") { request, _ -> Response in
            guard let domain = request.uri.queryParameters.get("domain"),
                let owner = state.all.first(where: { $0.domain == domain })
            else { return problem(404, "Domain not found") }
            let records: [[String: AnyCodable]] = [
                [
                    "id": .int(owner.id * 10), "type": .string("A"), "host": .string("\(domain)."),
                    "value": .string("192.0.2.1"),
                ],
                [
                    "id": .int(owner.id * 10 + 1), "type": .string("TXT"),
                    "host": .string("default._domainkey.\(domain)."),
                    "value": .string(state.dkimRecord(for: domain)),
                ],
            ]
            return jsonResponse(records)
        }
        api.get("clients/{id}/domains") { request, context -> Response in
            guard let account = account(context) else { return problem(404, "Client not found") }
            let domains =
                account.domain.isEmpty ? [] : [["id": AnyCodable.int(account.id), "name": .string(account.domain)]]
            return jsonResponse(domains)
        }
        api.post("domains") { request, context -> Response in
            struct Owner: Decodable { let login: String }
            struct Plan: Decodable { let name: String }
            struct New: Decodable {
                let name: String
                let owner_client: Owner
                let plan: Plan?
            }
            guard let new = try? await request.decode(as: New.self, context: context) else {
                return problem(400, "Invalid request body")
            }
            guard let owner = state.account(new.owner_client.login) else { return problem(404, "Owner not found") }
            guard owner.domain.isEmpty else { return problem(409, "Client already has a subscription") }
            if state.all.contains(where: { $0.domain == new.name }) {
                return problem(409, "Domain \(new.name) already exists")
            }
            let plan = new.plan?.name ?? "default"
            guard state.plans.contains(plan) else { return problem(400, "Service plan \(plan) does not exist") }
            _ = state.update(owner.username) {
                $0.domain = new.name
                $0.plan = plan
            }
            return jsonResponse(["id": AnyCodable.int(owner.id), "guid": .string(UUID().uuidString)], status: .created)
        }
        api.get("domains/{id}/status") { request, context -> Response in
            guard let account = account(context), !account.domain.isEmpty else {
                return problem(404, "Domain not found")
            }
            return jsonResponse(["status": account.suspended ? "suspended" : "active"])
        }
        api.get("databases") { request, context -> Response in
            let domain = request.uri.queryParameters.get("domain") ?? ""
            guard let owner = state.all.first(where: { $0.domain == domain }) else {
                return problem(404, "Domain not found")
            }
            return jsonResponse(
                owner.databases.sorted().enumerated().map {
                    ["id": AnyCodable.int(owner.id * 1000 + $0.offset), "name": .string($0.element)]
                })
        }
        api.post("databases") { request, context -> Response in
            struct Parent: Decodable { let name: String }
            struct New: Decodable {
                let name: String
                let type: String
                let parent_domain: Parent
            }
            guard let new = try? await request.decode(as: New.self, context: context) else {
                return problem(400, "Invalid request body")
            }
            guard let owner = state.all.first(where: { $0.domain == new.parent_domain.name }) else {
                return problem(404, "Domain not found")
            }
            guard !owner.databases.contains(new.name) else {
                return problem(409, "Database \(new.name) already exists")
            }
            guard owner.roomForDatabase else {
                return problem(400, "The limit on the number of databases of \(owner.domain) is reached")
            }
            _ = state.update(owner.username) { $0.databases.insert(new.name) }
            let index = state.account(owner.username)!.databases.sorted().firstIndex(of: new.name)!
            return jsonResponse(["id": owner.id * 1000 + index], status: .created)
        }
        api.get("dbusers") { request, context -> Response in
            let id = request.uri.queryParameters.get("dbId", as: Int.self) ?? -1
            guard let owner = state.account(byID: id / 1000) else { return jsonResponse([String]()) }
            return jsonResponse(owner.databaseUsers.sorted().map { ["login": $0] })
        }
        api.post("dbusers") { request, context -> Response in
            struct New: Decodable {
                let login: String
                let password: String
                let database_id: Int
            }
            guard let new = try? await request.decode(as: New.self, context: context),
                let owner = state.account(byID: new.database_id / 1000)
            else { return problem(400, "Invalid request body") }
            guard !owner.databaseUsers.contains(new.login) else {
                return problem(409, "User \(new.login) already exists")
            }
            _ = state.update(owner.username) { $0.databaseUsers.insert(new.login) }
            return jsonResponse(["id": new.database_id], status: .created)
        }
        api.post("cli/{command}/call") { request, context -> Response in
            struct Call: Decodable { let params: [String] }
            guard let call = try? await request.decode(as: Call.self, context: context) else {
                return problem(400, "Invalid request body")
            }
            let (code, stdout, stderr) = cli(context.parameters.get("command") ?? "", call.params)
            return jsonResponse(["code": AnyCodable.int(code), "stdout": .string(stdout), "stderr": .string(stderr)])
        }
        router.get("enterprise/rsession_init.php") { request, _ in
            sessions.landing(request.uri.queryParameters.get("PLESKSESSID"), panel: "Plesk")
        }
        router.post("enterprise/control/agent.php") { request, _ -> Response in
            guard request.headers[HTTPField.Name("KEY")!] == credentials.secret else {
                return xml(
                    "<system><status>error</status><errcode>1001</errcode><errtext>Authentication failed</errtext></system>"
                )
            }
            var copy = request
            let packet = String(buffer: try await copy.collectBody(upTo: 4 * 1024 * 1024))
            if packet.contains("<server><create_session>") { return createSession(packet, request) }
            if packet.contains("<webspace><get>") { return webspaces() }
            if packet.contains("<backup-manager>") { return backupManager(packet) }
            guard packet.contains("<certificate><install>"), let domain = element("webspace", in: packet),
                let certificate = element("cert", in: packet), element("pvt", in: packet) != nil
            else {
                return xml(
                    "<system><status>error</status><errcode>1014</errcode><errtext>Parser error: unsupported packet</errtext></system>"
                )
            }
            guard let owner = state.all.first(where: { $0.domain == domain }) else {
                return xml(
                    "<certificate><install><result><status>error</status><errcode>1013</errcode><errtext>Webspace does not exist</errtext></result></install></certificate>"
                )
            }
            _ = state.update(owner.username) { $0.certificates[domain] = certificate }
            return xml("<certificate><install><result><status>ok</status></result></install></certificate>")
        }
    }

    /// `<webspace><get>` with the `gen_info`, `stat` and `limits` datasets, for every subscription.
    private func webspaces() -> Response {
        let results = state.all.map { account in
            let limits = state.limits(of: account)
            let bytes = { (megabytes: Int?) in megabytes.map { "\($0 * 1_048_576)" } ?? "-1" }
            return """
                <result><status>ok</status><filter-id>\(account.id)</filter-id><id>\(account.id)</id><data>\
                <gen_info><cr_date>2026-01-01</cr_date><name>\(account.domain)</name><status>\(account.suspended ? 16 : 0)</status>\
                <real_size>\(account.diskMB * 1_048_576)</real_size></gen_info>\
                <stat><traffic>\(account.bandwidthMB * 1_048_576)</traffic><subdom>0</subdom></stat>\
                <limits><limit><name>disk_space</name><value>\(bytes(limits.diskMB))</value></limit>\
                <limit><name>max_traffic</name><value>\(bytes(limits.bandwidthMB))</value></limit></limits>\
                </data></result>
                """
        }
        return xml("<webspace><get>\(results.joined())</get></webspace>")
    }

    private func cli(_ command: String, _ params: [String]) -> (Int, String, String) {
        func value(after flag: String) -> String? {
            params.firstIndex(of: flag).flatMap { params.indices.contains($0 + 1) ? params[$0 + 1] : nil }
        }
        switch (command, params.first) {
        case ("mail", "--info"):
            let address = params.count > 1 ? params[1] : ""
            return state.all.contains { $0.mailboxes.contains(address) }
                ? (0, "Mailname: \(address)\n", "") : (1, "", "Unable to find mail name \(address)\n")
        case ("mail", "--create"):
            let address = params.count > 1 ? params[1] : ""
            let domain = address.split(separator: "@").last.map(String.init) ?? ""
            guard let owner = state.all.first(where: { $0.domain == domain }), value(after: "-passwd") != nil else {
                return (1, "", "Unable to create mail name: domain \(domain) does not exist or no password\n")
            }
            guard !owner.mailboxes.contains(address) else { return (1, "", "Mail name \(address) already exists\n") }
            guard owner.roomForMailbox else {
                return (1, "", "Unable to create mail name \(address): the limit on mailboxes is reached\n")
            }
            _ = state.update(owner.username) { $0.mailboxes.insert(address) }
            return (0, "SUCCESS: Creation of mailname '\(address)' complete\n", "")
        case ("subscription_settings", "--update"):
            let domain = params.count > 1 ? params[1] : ""
            guard let owner = state.all.first(where: { $0.domain == domain }) else {
                return (1, "", "Unable to find subscription \(domain)\n")
            }
            guard
                state.setLimits(
                    owner.username, disk: value(after: "-disk_space"), bandwidth: value(after: "-max_traffic"),
                    mailboxes: value(after: "-max_box"), databases: value(after: "-max_db"))
            else { return (1, "", "Invalid limit value\n") }
            return (0, "SUCCESS: Update of subscription '\(domain)' complete\n", "")
        case ("pleskrestore", "--restore"):
            let file = params.count > 1 ? params[1] : ""
            guard value(after: "-level") == "domains", let filter = value(after: "-filter"), filter.hasPrefix("list:"),
                let owner = state.all.first(where: { $0.domain == filter.dropFirst(5) })
            else { return (1, "", "Specify -level domains and -filter list:DOMAIN\n") }
            guard state.backups.restoreNow(owner.username, from: file, accounts: state) else {
                return (1, "", "Unable to find backup file \(file)\n")
            }
            return (0, "Restoration of \(filter.dropFirst(5)) from \(file) completed\n", "")
        case ("subscription", "--switch-subscription"):
            let domain = params.count > 1 ? params[1] : ""
            guard let plan = value(after: "-service-plan"), state.plans.contains(plan),
                let owner = state.all.first(where: { $0.domain == domain })
            else { return (1, "", "Unable to switch subscription\n") }
            _ = state.update(owner.username) { $0.plan = plan }
            return (0, "SUCCESS: Subscription switched\n", "")
        default:
            return (1, "", "Unknown command \(command) \(params.first ?? "")\n")
        }
    }

    /// `<backup-manager>`: `backup-webspace` (a task id), `get-tasks-info` (the task's state,
    /// file and size) and `remove-file`.
    private func backupManager(_ packet: String) -> Response {
        func answer(_ operation: String, _ result: String) -> Response {
            xml("<backup-manager><\(operation)><result>\(result)</result></\(operation)></backup-manager>")
        }
        func refused(_ operation: String, _ code: Int, _ text: String) -> Response {
            answer(operation, "<status>error</status><errcode>\(code)</errcode><errtext>\(text)</errtext>")
        }
        let domain = element("webspace-name", in: packet) ?? ""
        if packet.contains("<backup-webspace>") {
            guard let owner = state.all.first(where: { $0.domain == domain }) else {
                return refused("backup-webspace", 1013, "Subscription does not exist")
            }
            let prefix = element("prefix", in: packet) ?? "backup"
            let task = state.backups.startBackup(of: owner) { "\(prefix)_backup_info_\($0).xml" }
            return answer("backup-webspace", "<status>ok</status><task-id>\(task)</task-id>")
        }
        if packet.contains("<get-tasks-info>") {
            guard let task = element("task-id", in: packet),
                let run = state.backups.state(of: task, kind: .backup, accounts: state)
            else { return refused("get-tasks-info", 1013, "Task does not exist") }
            let status = run.running ? "started" : run.failure == nil ? "finished" : "failed"
            let file = run.archive.map {
                "<backup-name>\($0.location)</backup-name><size>\($0.sizeMB * 1_048_576)</size>"
            }
            return answer(
                "get-tasks-info",
                "<status>ok</status><task-info><task-id>\(task)</task-id><task-status>\(status)</task-status>\(file ?? "")\(run.failure.map { "<task-error>\($0)</task-error>" } ?? "")</task-info>"
            )
        }
        if packet.contains("<remove-file>"), let file = element("filename", in: packet) {
            guard state.all.contains(where: { $0.domain == domain }) else {
                return refused("remove-file", 1013, "Subscription does not exist")
            }
            state.backups.delete(file)
            return answer("remove-file", "<status>ok</status>")
        }
        return xml(
            "<system><status>error</status><errcode>1014</errcode><errtext>Parser error: unsupported packet</errtext></system>"
        )
    }

    private func account(_ context: BasicRequestContext) -> SimulatedAccount? {
        context.parameters.get("id", as: Int.self).flatMap { state.account(byID: $0) }
    }

    private func client(_ account: SimulatedAccount) -> [String: AnyCodable] {
        [
            "id": .int(account.id), "login": .string(account.username), "name": .string(account.username),
            "email": .string(account.email), "type": .string("customer"),
        ]
    }

    /// `<server><create_session>`: a token for `login`, redeemed once at `rsession_init.php`.
    private func createSession(_ packet: String, _ request: Request) -> Response {
        guard let login = element("login", in: packet), state.account(login) != nil else {
            return xml(
                "<server><create_session><result><status>error</status><errcode>1013</errcode><errtext>User does not exist</errtext></result></create_session></server>"
            )
        }
        guard element("user_ip", in: packet)?.isEmpty == false else {
            return xml(
                "<server><create_session><result><status>error</status><errcode>1014</errcode><errtext>user_ip is required</errtext></result></create_session></server>"
            )
        }
        return xml(
            "<server><create_session><result><status>ok</status><id>\(sessions.create(for: login))</id></result></create_session></server>"
        )
    }

    private func element(_ name: String, in packet: String) -> String? {
        guard let start = packet.range(of: "<\(name)>"),
            let end = packet.range(of: "</\(name)>", range: start.upperBound..<packet.endIndex)
        else { return nil }
        return String(packet[start.upperBound..<end.lowerBound])
    }

    private func xml(_ body: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/xml"],
            body: .init(
                byteBuffer: ByteBuffer(
                    string: #"<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1">"# + body + "</packet>")))
    }
}

/// Plesk REST auth: `X-API-Key` or HTTP Basic, else 401 with Plesk's error body.
struct PleskAuth: RouterMiddleware {
    let credentials: SimulatorCredentials

    func handle(
        _ request: Request, context: BasicRequestContext,
        next: (Request, BasicRequestContext) async throws -> Response
    ) async throws -> Response {
        let basic = "Basic " + Data("\(credentials.user):\(credentials.secret)".utf8).base64EncodedString()
        guard
            request.headers[HTTPField.Name("X-API-Key")!] == credentials.secret
                || request.headers[.authorization] == basic
        else {
            return problem(401, "Authentication failed")
        }
        return try await next(request, context)
    }
}

/// Plesk's REST error body.
func problem(_ code: Int, _ message: String) -> Response {
    let body = (try? JSONEncoder().encode(["code": AnyCodable.int(code), "message": .string(message)])) ?? Data()
    return Response(
        status: HTTPResponse.Status(code: code), headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(bytes: body)))
}

/// A JSON scalar, for the simulators' mixed-type bodies.
enum AnyCodable: Codable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    case int(Int)
    case string(String)

    init(integerLiteral value: Int) { self = .int(value) }
    init(stringLiteral value: String) { self = .string(value) }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }
}
