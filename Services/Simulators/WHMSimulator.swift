import Foundation
import Hummingbird

/// WHM API 1 (`/json-api/<function>?api.version=1`, `Authorization: whm USER:TOKEN`) with
/// the UAPI modules provisioning uses through `uapi_cpanel`.
struct WHMSimulator: Sendable {
    let state: PanelState
    let credentials: SimulatorCredentials
    let sessions = PanelSessions()

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.on("json-api/{function}", method: .get) { request, context in try await handle(request, context) }
        router.on("json-api/{function}", method: .post) { request, context in try await handle(request, context) }
        // Where `create_user_session`'s URL lands: cPanel's `/cpsessNNNN/login/?session=user:token`.
        router.get("{cpsess}/login") { request, _ in
            let session = request.uri.queryParameters.get("session")
            return sessions.landing(session?.split(separator: ":", maxSplits: 1).last.map(String.init), panel: "cPanel")
        }
        state.addInspectionRoutes(to: router)
    }

    private func handle(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard request.headers[.authorization] == "whm \(credentials.user):\(credentials.secret)" else {
            return Response(
                status: .forbidden, headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: "Access denied")))
        }
        let function = context.parameters.get("function") ?? ""
        let parameters = try await request.formParameters()
        guard parameters["api.version"] == "1" else {
            return envelope(function, result: 0, reason: "This simulator speaks WHM API 1 only: pass api.version=1")
        }
        switch function {
        case "createacct": return createAccount(parameters)
        case "suspendacct", "unsuspendacct":
            let suspend = function == "suspendacct"
            guard let user = parameters["user"],
                state.update(
                    user,
                    {
                        $0.suspended = suspend
                        $0.suspendReason = suspend ? parameters["reason"] ?? "Unknown" : nil
                    })
            else { return envelope(function, result: 0, reason: "User \(parameters["user"] ?? "") does not exist.") }
            return envelope(function, result: 1, reason: suspend ? "Account Suspended" : "Account Unsuspended")
        case "removeacct":
            guard let user = parameters["username"] ?? parameters["user"], state.remove(user) else {
                return envelope(function, result: 0, reason: "User does not exist.")
            }
            return envelope(function, result: 1, reason: "\(parameters["username"] ?? "") account removed")
        case "modifyacct":
            guard let user = parameters["user"] else {
                return envelope(function, result: 0, reason: "user is required")
            }
            guard state.account(user) != nil else {
                return envelope(function, result: 0, reason: "User does not exist.")
            }
            guard
                state.setLimits(
                    user, disk: parameters["QUOTA"], bandwidth: parameters["BWLIMIT"], mailboxes: parameters["MAXPOP"],
                    databases: parameters["MAXSQL"])
            else { return envelope(function, result: 0, reason: "Invalid limit value") }
            return envelope(function, result: 1, reason: "Account Modified")
        case "changepackage":
            guard let user = parameters["user"], let plan = parameters["pkg"] else {
                return envelope(function, result: 0, reason: "user and pkg are required")
            }
            guard state.plans.contains(plan) else {
                return envelope(function, result: 0, reason: "Specified package \(plan) does not exist")
            }
            guard state.update(user, { $0.plan = plan }) else {
                return envelope(function, result: 0, reason: "User does not exist.")
            }
            return envelope(function, result: 1, reason: "Account Upgraded/Downgraded")
        case "passwd":
            guard let user = parameters["user"], let password = parameters["password"], !password.isEmpty else {
                return envelope(function, result: 0, reason: "user and password are required")
            }
            guard state.update(user, { $0.password = password }) else {
                return envelope(function, result: 0, reason: "User does not exist.")
            }
            return envelope(
                function, result: 1, reason: "Password changed for user “\(user)”.",
                data: ["app": ["system", "ftp", "mail"]])
        case "listaccts": return listAccounts(parameters)
        case "showbw":
            let rows: [[String: Any]] = state.all.map {
                [
                    "user": $0.username, "maindomain": $0.domain, "totalbytes": $0.bandwidthMB * 1_048_576,
                    "limit": (state.limits(of: $0).bandwidthMB ?? 0) * 1_048_576,
                ]
            }
            return envelope(function, result: 1, reason: "OK", data: ["acct": rows, "month": 12, "year": 2026])
        case "create_user_session":
            guard let user = parameters["user"], state.account(user) != nil else {
                return envelope(function, result: 0, reason: "The user “\(parameters["user"] ?? "")” does not exist.")
            }
            guard parameters["service"] == "cpaneld" else {
                return envelope(function, result: 0, reason: "Unsupported service")
            }
            let token = sessions.create(for: user)
            let security = "/cpsess\(Int.random(in: 1_000_000_000...9_999_999_999))"
            return envelope(
                function, result: 1, reason: "OK",
                data: [
                    "url": "\(PanelSessions.base(of: request))\(security)/login/?session=\(user):\(token)",
                    "session": "\(user):\(token)", "cp_security_token": security,
                    "expires": Int(Date().timeIntervalSince1970) + 300,
                    "service": "cpaneld",
                ])
        case "version": return envelope(function, result: 1, reason: "OK", data: ["version": "11.120.0.9"])
        case "installssl":
            guard let domain = parameters["domain"], let certificate = parameters["crt"], parameters["key"] != nil
            else {
                return envelope(function, result: 0, reason: "domain, crt and key are required")
            }
            guard let owner = state.all.first(where: { $0.domain == domain })?.username else {
                return envelope(function, result: 0, reason: "No account owns the domain \(domain).")
            }
            _ = state.update(owner) { $0.certificates[domain] = certificate }
            return envelope(
                function, result: 1, reason: "The SSL certificate is now installed onto domain “\(domain)”.")
        case "uapi_cpanel": return uapi(parameters)
        case "start_background_pkgacct", "get_pkgacct_session_state", "delete_account_archives",
            "start_local_cpmove_restore", "get_transfer_session_state":
            return backup(function, parameters)
        default:
            return envelope(
                function, result: 0, reason: "Unknown app (\(function)) requested for this version (1) of the API.")
        }
    }

    private func createAccount(_ parameters: [String: String]) -> Response {
        guard let raw = parameters["username"], !raw.isEmpty else {
            return envelope(
                "createacct", result: 0, reason: "No user name supplied: “username” is a required argument.")
        }
        let username = raw.lowercased()
        if username.count > 16 || username.first?.isNumber == true || username.hasPrefix("test")
            || !username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        {
            return envelope("createacct", result: 0, reason: "Invalid user name “\(username)”.")
        }
        if state.all.contains(where: { $0.username.prefix(8) == username.prefix(8) && $0.username != username }) {
            return envelope("createacct", result: 0, reason: "The first 8 characters of “\(username)” are not unique.")
        }
        let plan = parameters["plan"] ?? "default"
        guard state.plans.contains(plan) else {
            return envelope("createacct", result: 0, reason: "The package “\(plan)” does not exist.")
        }
        if parameters["password"] != nil && parameters["pass"] != nil {
            return envelope("createacct", result: 0, reason: "Pass “password” or “pass”, not both.")
        }
        let domain = parameters["domain"] ?? "\(username).temporary.test"
        if let refusal = state.create(
            username: username, domain: domain, plan: plan,
            password: parameters["password"] ?? parameters["pass"] ?? UUID().uuidString,
            email: parameters["contactemail"] ?? "")
        {
            return envelope("createacct", result: 0, reason: refusal)
        }
        return envelope(
            "createacct", result: 1, reason: "Account Creation Ok",
            data: [
                "ip": "192.0.2.10", "nameserver": "ns1.sandbox.test", "nameserver2": "ns2.sandbox.test",
                "package": plan,
            ], raw: "Creating account \(username) for \(domain)… done")
    }

    private func listAccounts(_ parameters: [String: String]) -> Response {
        var accounts = state.all
        if let search = parameters["search"], let pattern = try? Regex(search) {
            let field: (SimulatedAccount) -> String =
                switch parameters["searchtype"] ?? "domain" {
                case "user": { $0.username }
                case "package": { $0.plan }
                default: { $0.domain }
                }
            accounts = accounts.filter { account in
                parameters["searchmethod"] == "exact" ? field(account) == search : field(account).contains(pattern)
            }
        }
        let rows: [[String: Any]] = accounts.map {
            [
                "user": $0.username, "domain": $0.domain, "plan": $0.plan, "suspended": $0.suspended ? 1 : 0,
                "suspendreason": $0.suspendReason ?? "not suspended", "email": $0.email, "ip": "192.0.2.10",
                "diskused": "\($0.diskMB)M",
                "disklimit": state.limits(of: $0).diskMB.map { "\($0)M" } ?? "unlimited",
                "unix_startdate": 1_700_000_000,
            ]
        }
        return envelope("listaccts", result: 1, reason: "OK", data: ["acct": rows])
    }

    private func uapi(_ parameters: [String: String]) -> Response {
        let module = parameters["cpanel.module"] ?? ""
        let function = parameters["cpanel.function"] ?? ""
        guard let user = parameters["cpanel.user"], state.account(user) != nil else {
            return envelope("uapi_cpanel", result: 0, reason: "User parameter is invalid or was not supplied")
        }
        func answer(_ status: Int, _ data: Any? = nil, error: String? = nil) -> Response {
            envelope(
                "uapi_cpanel", result: 1, reason: "OK",
                data: [
                    "uapi": [
                        "status": status, "errors": error.map { [$0] } ?? NSNull(), "messages": NSNull(),
                        "warnings": NSNull(),
                        "metadata": [:] as [String: Any], "data": data ?? NSNull(),
                    ] as [String: Any]
                ])
        }
        let account = state.account(user)!
        switch "\(module)::\(function)" {
        case "EmailAuth::validate_current_dkims":
            guard let domain = parameters["domain"], domain == account.domain else {
                return answer(0, error: "You do not own the domain “\(parameters["domain"] ?? "")”.")
            }
            return answer(
                1,
                [
                    [
                        "domain": "default._domainkey.\(domain)", "expected": state.dkimRecord(for: domain),
                        "state": "MISSING",
                    ]
                ])
        case "Email::list_pops":
            return answer(1, account.mailboxes.sorted().map { ["email": $0, "login": $0] })
        case "Email::add_pop":
            guard let local = parameters["email"], let domain = parameters["domain"] ?? Optional(account.domain),
                parameters["password"]?.isEmpty == false
            else { return answer(0, error: "You must specify an email and a password.") }
            let address = local.contains("@") ? local : "\(local)@\(domain)"
            if account.mailboxes.contains(address) { return answer(0, error: "The account \(address) already exists!") }
            guard account.roomForMailbox else {
                return answer(0, error: "The account “\(user)” has reached its maximum number of email accounts.")
            }
            _ = state.update(user) { $0.mailboxes.insert(address) }
            return answer(1, "\(address)")
        case "Mysql::list_databases":
            return answer(1, account.databases.sorted().map { ["database": $0, "disk_usage": 0] })
        case "Mysql::create_database":
            guard let name = parameters["name"], name.hasPrefix("\(user)_") else {
                return answer(0, error: "The name must begin with the database prefix “\(user)_”.")
            }
            if account.databases.contains(name) { return answer(0, error: "The database “\(name)” already exists.") }
            guard account.roomForDatabase else {
                return answer(0, error: "The account “\(user)” has reached its maximum number of databases.")
            }
            _ = state.update(user) { $0.databases.insert(name) }
            return answer(1)
        case "Mysql::list_users":
            return answer(1, account.databaseUsers.sorted().map { ["user": $0] })
        case "Mysql::create_user":
            guard let name = parameters["name"], name.hasPrefix("\(user)_"), parameters["password"]?.isEmpty == false
            else {
                return answer(0, error: "The user name must begin with “\(user)_” and a password is required.")
            }
            if account.databaseUsers.contains(name) { return answer(0, error: "The user “\(name)” already exists.") }
            _ = state.update(user) { $0.databaseUsers.insert(name) }
            return answer(1)
        case "Mysql::set_privileges_on_database":
            guard let dbUser = parameters["user"], let database = parameters["database"],
                account.databaseUsers.contains(dbUser), account.databases.contains(database)
            else {
                return answer(0, error: "The database user or database does not exist.")
            }
            _ = state.update(user) { $0.grants.insert("\(dbUser)@\(database)") }
            return answer(1)
        case "SSL::install_ssl":
            guard let domain = parameters["domain"], let certificate = parameters["cert"] else {
                return answer(0, error: "domain and cert are required")
            }
            _ = state.update(user) { $0.certificates[domain] = certificate }
            return answer(1)
        default:
            return answer(0, error: "Failed to load module “\(module)”: function “\(function)” is not implemented.")
        }
    }

    /// pkgacct into `/backup/hostwire/<session_id>/`, its session state, deleting the
    /// archives under a mount point, and restoring one cpmove archive.
    private func backup(_ function: String, _ parameters: [String: String]) -> Response {
        let backups = state.backups
        switch function {
        case "start_background_pkgacct":
            guard let user = parameters["user"], let account = state.account(user) else {
                return envelope(function, result: 0, reason: "User does not exist.")
            }
            let stamp = ISO8601DateFormatter.string(
                from: Date(), timeZone: .gmt, formatOptions: [.withYear, .withMonth, .withDay, .withTime])
            let session = backups.startBackup(of: account, id: "\(user)\(stamp.filter(\.isNumber))s") {
                "/backup/hostwire/\($0)/cpmove-\(user).tar.gz"
            }
            return envelope(function, result: 1, reason: "OK", data: ["session_id": session])
        case "get_pkgacct_session_state", "get_transfer_session_state":
            let key = function == "get_pkgacct_session_state" ? "session_id" : "transfer_session_id"
            guard
                let run = backups.state(
                    of: parameters[key] ?? "", kind: key == "session_id" ? .backup : .restore, accounts: state)
            else { return envelope(function, result: 0, reason: "The session does not exist.") }
            let state = run.running ? "RUNNING" : run.failure == nil ? "COMPLETED" : "FAILED"
            return envelope(function, result: 1, reason: run.failure ?? "OK", data: ["state": state])
        case "delete_account_archives":
            guard let user = parameters["user"], let mountpoint = parameters["mountpoint"] else {
                return envelope(function, result: 0, reason: "user is required")
            }
            let found = backups.archives(of: user).filter { $0.location.hasPrefix(mountpoint + "/") }
            for archive in found { backups.delete(archive.location) }
            return envelope(
                function, result: 1, reason: "OK",
                raw: found.map { "Found archive: \($0.location)" }.joined(separator: "\n"))
        default:
            guard let path = parameters["cpmovepath"],
                let user = path.split(separator: "/").last.flatMap({ name in
                    name.hasPrefix("cpmove-") && name.hasSuffix(".tar.gz") ? String(name.dropFirst(7).dropLast(7)) : nil
                }), state.account(user) != nil, let session = backups.startRestore(user, from: path)
            else {
                return envelope(function, result: 0, reason: "No cpmove archive at \(parameters["cpmovepath"] ?? "")")
            }
            return envelope(function, result: 1, reason: "OK", data: ["transfer_session_id": session])
        }
    }

    private func envelope(_ command: String, result: Int, reason: String, data: [String: Any]? = nil, raw: String = "")
        -> Response
    {
        var body: [String: Any] = [
            "metadata": [
                "command": command, "result": result, "reason": reason, "version": 1,
                "output": ["raw": raw],
            ] as [String: Any]
        ]
        if let data { body["data"] = data }
        // Keys unsorted, as WHM sends them: Foundation sorts with a locale-aware compare (11% of the Stripe simulator's CPU).
        let bytes = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
