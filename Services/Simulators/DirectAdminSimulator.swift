import ExternalHTTP
import Foundation
import Hummingbird

/// DirectAdmin's legacy API: `CMD_API_*` with HTTP Basic (`admin` or `admin|user`),
/// form-encoded in and out, `error=1&text=…&details=…` on failure.
struct DirectAdminSimulator: Sendable {
    let state: PanelState
    let credentials: SimulatorCredentials
    let sessions = PanelSessions()
    /// Each admin backup's job, by its `local_path`.
    let backupJobs = Locked<[String: String]>([:])

    func addRoutes(to router: Router<BasicRequestContext>) {
        state.addInspectionRoutes(to: router)
        for method in [HTTPRequest.Method.get, .post] {
            router.on("{command}", method: method) { request, context in try await handle(request, context) }
        }
    }

    private func handle(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let command = context.parameters.get("command") ?? ""
        // A browser following a one-time login URL: the hash is its only credential.
        if command == "CMD_LOGIN_URL", request.method == .get, let hash = request.uri.queryParameters.get("hash") {
            return sessions.landing(hash, panel: "DirectAdmin")
        }
        guard let login = basicLogin(request) else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"DirectAdmin\""])
        }
        let fields = try await request.formParameters()
        switch command {
        case "CMD_API_SHOW_ALL_USERS": return list(state.all.map(\.username))
        case "CMD_API_SHOW_USER_CONFIG":
            guard let user = fields["user"], let account = state.account(user) else {
                return error("Unable to show user", "No such user")
            }
            return reply(
                [
                    ("username", account.username), ("domain", account.domain), ("package", account.plan),
                    ("suspended", account.suspended ? "yes" : "no"), ("email", account.email),
                    ("suspended_reason", account.suspendReason ?? ""),
                    ("quota", state.limits(of: account).diskMB.map(String.init) ?? "unlimited"),
                    ("bandwidth", state.limits(of: account).bandwidthMB.map(String.init) ?? "unlimited"),
                ].filter { !$0.1.isEmpty || $0.0 != "suspended_reason" })
        case "CMD_API_SHOW_USER_USAGE":
            guard let user = fields["user"], let account = state.account(user) else {
                return error("Unable to show user usage", "No such user")
            }
            return reply([
                ("bandwidth", "\(account.bandwidthMB)"), ("quota", "\(account.diskMB)"), ("domainptr", "0"),
                ("email_deliveries", "0"),
            ])
        case "CMD_API_ACCOUNT_USER":
            guard fields["action"] == "create", let username = fields["username"], let domain = fields["domain"],
                let password = fields["passwd"], password == fields["passwd2"]
            else {
                return error(
                    "Unable to Create User", "action=create, username, domain and matching passwd/passwd2 are required")
            }
            guard username.count <= 10, username.first?.isLetter == true,
                username.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) })
            else {
                return error("Unable to Create User", "Invalid username")
            }
            let plan = fields["package"] ?? "default"
            guard state.plans.contains(plan) else {
                return error("Unable to Create User", "Package \(plan) does not exist")
            }
            if let refusal = state.create(
                username: username, domain: domain, plan: plan, password: password, email: fields["email"] ?? "")
            {
                return error("Unable to Create User", refusal)
            }
            return reply([("error", "0"), ("text", "User \(username) created"), ("details", "")])
        case "CMD_API_SELECT_USERS":
            let users = fields.filter { $0.key.hasPrefix("select") }.map(\.value)
            guard !users.isEmpty, users.allSatisfy({ state.account($0) != nil }) else {
                return error("Error", "No such user")
            }
            if fields["delete"] == "yes" && fields["confirmed"] == "Confirm" {
                for user in users { _ = state.remove(user) }
                return reply([("error", "0"), ("text", "Users deleted")])
            }
            guard let action = fields["suspend"], action == "Suspend" || action == "Unsuspend" else {
                return error("Error", "Nothing to do")
            }
            for user in users {
                _ = state.update(user) {
                    $0.suspended = action == "Suspend"
                    $0.suspendReason = action == "Suspend" ? fields["reason"] ?? "admin" : nil
                }
            }
            return reply([
                ("error", "0"), ("text", "Success"), ("details", "\(users.count) users \(action.lowercased())ed"),
            ])
        case "CMD_API_MODIFY_USER" where fields["action"] == "customize":
            guard let user = fields["user"], state.account(user) != nil else { return error("Error", "No such user") }
            return state.setLimits(
                user, disk: fields["quota"], bandwidth: fields["bandwidth"], mailboxes: fields["nemails"],
                databases: fields["mysql"])
                ? reply([("error", "0"), ("text", "User modified")]) : error("Error", "Invalid limit value")
        case "CMD_API_MODIFY_USER":
            guard fields["action"] == "package", let user = fields["user"], let plan = fields["package"] else {
                return error("Error", "action=package, user and package are required")
            }
            guard state.plans.contains(plan) else { return error("Error", "Package \(plan) does not exist") }
            return state.update(user, { $0.plan = plan })
                ? reply([("error", "0"), ("text", "Package changed")]) : error("Error", "No such user")
        case "CMD_API_USER_PASSWD":
            guard let user = fields["username"], let password = fields["passwd"], password == fields["passwd2"],
                !password.isEmpty
            else {
                return error("Error", "username and matching passwd/passwd2 are required")
            }
            return state.update(user, { $0.password = password })
                ? reply([("error", "0"), ("text", "Password Changed")]) : error("Error", "No such user")
        case "CMD_API_LICENSE": return reply([("version", "1.680")])
        case "CMD_API_ADMIN_BACKUP": return adminBackup(fields)
        case "CMD_API_FILE_MANAGER": return fileManager(fields)
        default:
            // The rest act as a user: `admin|user`.
            guard let user = login.actingAs, let account = state.account(user) else {
                return error("Error", "Log in as admin|user")
            }
            return userCommand(command, fields, account, base: PanelSessions.base(of: request))
        }
    }

    private func userCommand(_ command: String, _ fields: [String: String], _ account: SimulatedAccount, base: String)
        -> Response
    {
        let user = account.username
        switch (command, fields["action"]) {
        case ("CMD_API_POP", "list"):
            return list(
                account.mailboxes.filter { $0.hasSuffix("@\(fields["domain"] ?? account.domain)") }
                    .map { String($0.split(separator: "@")[0]) }.sorted())
        case ("CMD_API_POP", "create"):
            guard let local = fields["user"], let domain = fields["domain"], fields["passwd"]?.isEmpty == false else {
                return error("Unable to create E-Mail account", "user, domain and passwd are required")
            }
            let address = "\(local)@\(domain)"
            guard !account.mailboxes.contains(address) else {
                return error("Unable to create E-Mail account", "\(address) already exists")
            }
            guard account.roomForMailbox else {
                return error("Unable to create E-Mail account", "You have reached your limit of E-Mail accounts")
            }
            _ = state.update(user) { $0.mailboxes.insert(address) }
            return reply([("error", "0"), ("text", "E-Mail account created")])
        case ("CMD_LOGIN_URL", "create"):
            let hash = sessions.create(for: user)
            return reply([("error", "0"), ("text", "Login URL created"), ("url", "\(base)/CMD_LOGIN_URL?hash=\(hash)")])
        case ("CMD_API_DATABASES", nil):
            return list(account.databases.sorted())
        case ("CMD_API_DATABASES", "create"):
            guard let name = fields["name"], let dbUser = fields["user"], fields["passwd"] == fields["passwd2"] else {
                return error("Unable to create database", "name, user and matching passwords are required")
            }
            let database = "\(user)_\(name)"
            let login = "\(user)_\(dbUser)"
            guard !account.databases.contains(database) else {
                return error("Unable to create database", "Database \(database) already exists")
            }
            guard account.roomForDatabase else {
                return error("Unable to create database", "You have reached your limit of databases")
            }
            _ = state.update(user) {
                $0.databases.insert(database)
                $0.databaseUsers.insert(login)
                $0.grants.insert("\(login)@\(database)")
            }
            return reply([("error", "0"), ("text", "Database Created")])
        case ("CMD_API_DNS_CONTROL", nil):
            guard fields["domain"] == account.domain else { return error("Error", "You do not own that domain") }
            return reply([
                ("\(account.domain).", "A=192.0.2.1"), ("x._domainkey", state.dkimRecord(for: account.domain)),
            ])
        case ("CMD_API_SSL", "save"):
            guard let domain = fields["domain"] else { return error("Error", "domain is required") }
            if fields["type"] == "paste", let certificate = fields["certificate"] {
                _ = state.update(user) { $0.certificates[domain] = certificate }
            }
            return reply([("error", "0"), ("text", "Certificate and Key Saved.")])
        default:
            return error("Error", "Unknown command \(command)")
        }
    }

    /// An admin backup of selected users now into `local_path` (one archive per user,
    /// `user.admin.USER.tar.gz`), or a restore of one archive from it.
    private func adminBackup(_ fields: [String: String]) -> Response {
        guard fields["where"] == "local", let path = fields["local_path"], path.hasPrefix("/"),
            let selected = fields["select0"]
        else { return error("Unable to process backup request", "where=local, local_path and select0 are required") }
        switch fields["action"] {
        case "create":
            guard fields["when"] == "now", fields["who"] == "selected", let account = state.account(selected) else {
                return error("Unable to create backup", "when=now, who=selected and an existing user are required")
            }
            let job = state.backups.startBackup(of: account) { _ in "\(path)/user.admin.\(selected).tar.gz" }
            backupJobs.withLock { $0[path] = job }
            return reply([("error", "0"), ("text", "Backup queued"), ("details", "It will run within a minute")])
        case "restore":
            let user = selected.dropFirst("user.admin.".count).dropLast(".tar.gz".count)
            guard selected.hasPrefix("user.admin."), selected.hasSuffix(".tar.gz"),
                state.backups.restoreNow(String(user), from: "\(path)/\(selected)", accounts: state)
            else { return error("Unable to restore", "No such backup file \(selected)") }
            return reply([("error", "0"), ("text", "Restore queued")])
        default:
            return error("Unable to process backup request", "action must be create or restore")
        }
    }

    /// The admin's files under a path (`path=size=BYTES`), or deleting the selected ones.
    private func fileManager(_ fields: [String: String]) -> Response {
        guard let path = fields["path"] else { return error("Error", "path is required") }
        if fields["action"] == "multiple", fields["button"] == "delete" {
            for (key, file) in fields where key.hasPrefix("select") {
                for archive in state.all.flatMap({ state.backups.archives(of: $0.username) })
                where archive.location == file || archive.location.hasPrefix(file + "/") {
                    state.backups.delete(archive.location)
                }
            }
            return reply([("error", "0"), ("text", "Files deleted")])
        }
        if let job = backupJobs.withLock({ $0[path] }) {
            _ = state.backups.state(of: job, kind: .backup, accounts: state)
        }
        let files = state.all.flatMap { state.backups.archives(of: $0.username) }.filter {
            $0.location.hasPrefix(path + "/")
        }
        return reply(files.map { ($0.location, "size=\($0.sizeMB * 1_048_576)") })
    }

    private struct Login { let actingAs: String? }

    private func basicLogin(_ request: Request) -> Login? {
        guard let header = request.headers[.authorization], header.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":")
        else { return nil }
        let login = decoded[..<colon]
        let password = decoded[decoded.index(after: colon)...]
        let parts = login.split(separator: "|", maxSplits: 1)
        guard parts.first.map(String.init) == credentials.user, password == credentials.secret else { return nil }
        return Login(actingAs: parts.count == 2 ? String(parts[1]) : nil)
    }

    private func list(_ items: [String]) -> Response {
        reply(items.map { ("list[]", $0) })
    }

    private func error(_ text: String, _ details: String) -> Response {
        reply([("error", "1"), ("text", text), ("details", details)])
    }

    private func reply(_ pairs: [(String, String)]) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain"],
            body: .init(byteBuffer: ByteBuffer(string: FormEncoding.encode(pairs))))
    }
}
