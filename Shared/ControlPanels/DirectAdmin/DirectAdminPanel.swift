import ExternalHTTP
import Foundation
import NIOHTTP1

/// DirectAdmin through its legacy `CMD_API_*` endpoints: HTTP Basic auth, form-encoded
/// requests and responses (`error=0&text=…`, lists as `list[]=…`).
public struct DirectAdminPanel: ControlPanel {
    public let kind = PanelKind.directadmin
    let http: ExternalHTTPClient
    let admin: String
    let secret: String

    public init(endpoint: PanelEndpoint) {
        http = ExternalHTTPClient(baseURL: endpoint.baseURL, timeout: endpoint.timeout)
        admin = endpoint.username
        secret = endpoint.secret
    }

    public func account(named username: String) async throws -> PanelAccount? {
        guard try await list("CMD_API_SHOW_ALL_USERS", [:]).contains(username) else { return nil }
        let config = try await call(.GET, "CMD_API_SHOW_USER_CONFIG", ["user": username])
        return PanelAccount(
            username: username, domain: config["domain"] ?? "", plan: config["package"] ?? "",
            suspended: config["suspended"] == "yes", suspendReason: config["suspended_reason"])
    }

    public func listAccounts() async throws -> [PanelAccount] {
        var accounts: [PanelAccount] = []
        for user in try await list("CMD_API_SHOW_ALL_USERS", [:]) {
            if let account = try await account(named: user) { accounts.append(account) }
        }
        return accounts
    }

    public func createAccount(_ account: NewAccount) async throws {
        _ = try await call(
            .POST, "CMD_API_ACCOUNT_USER",
            [
                "action": "create", "add": "Submit", "username": account.username, "email": account.contactEmail,
                "passwd": account.password, "passwd2": account.password, "domain": account.domain,
                "package": account.plan, "ip": account.ip, "notify": "no",
            ])
    }

    public func suspend(_ username: String, reason: String) async throws {
        _ = try await call(
            .POST, "CMD_API_SELECT_USERS",
            [
                "location": "CMD_SELECT_USERS", "suspend": "Suspend", "reason": reason, "select0": username,
            ])
    }

    public func unsuspend(_ username: String) async throws {
        _ = try await call(
            .POST, "CMD_API_SELECT_USERS",
            [
                "location": "CMD_SELECT_USERS", "suspend": "Unsuspend", "select0": username,
            ])
    }

    public func terminate(_ username: String) async throws {
        _ = try await call(
            .POST, "CMD_API_SELECT_USERS", ["confirmed": "Confirm", "delete": "yes", "select0": username])
    }

    public func changePackage(_ username: String, to plan: String) async throws {
        _ = try await call(.POST, "CMD_API_MODIFY_USER", ["action": "package", "user": username, "package": plan])
    }

    public func changePassword(_ username: String, to password: String) async throws {
        _ = try await call(
            .POST, "CMD_API_USER_PASSWD", ["username": username, "passwd": password, "passwd2": password])
    }

    public func mailboxExists(_ address: String, username: String) async throws -> Bool {
        let parts = address.split(separator: "@", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return false }
        return try await list("CMD_API_POP", ["action": "list", "domain": parts[1]], as: username).contains(parts[0])
    }

    public func createMailbox(_ mailbox: NewMailbox) async throws {
        _ = try await call(
            .POST, "CMD_API_POP",
            [
                "action": "create", "domain": mailbox.domain, "user": mailbox.localPart, "passwd": mailbox.password,
                "passwd2": mailbox.password, "quota": "\(mailbox.quotaMB)",
            ], as: mailbox.username)
    }

    public func databases(of username: String) async throws -> [String] {
        try await list("CMD_API_DATABASES", [:], as: username)
    }

    /// DirectAdmin prefixes both names with `<user>_` itself, so it is given the suffixes.
    public func createDatabase(_ database: NewDatabase) async throws {
        let prefix = "\(database.username)_"
        _ = try await call(
            .POST, "CMD_API_DATABASES",
            [
                "action": "create", "name": String(database.name.dropPrefix(prefix)),
                "user": String(database.user.dropPrefix(prefix)), "passwd": database.password,
                "passwd2": database.password,
            ], as: database.username)
    }

    public func installCertificate(_ certificate: CertificateBundle, username: String, domain: String) async throws {
        _ = try await call(
            .POST, "CMD_API_SSL",
            [
                "action": "save", "domain": domain, "type": "paste",
                "certificate": certificate.privateKey + "\n" + certificate.certificate,
            ], as: username)
        _ = try await call(
            .POST, "CMD_API_SSL",
            [
                "action": "save", "domain": domain, "type": "cacert",
                "active": "yes", "cacert": certificate.chain,
            ], as: username)
    }

    /// A one-time login URL (`CMD_LOGIN_URL`, `action=create`, as the user), bound to the
    /// browser's address and good for a few minutes — not a reusable login key.
    public func loginURL(for username: String, userIP: String) async throws -> String {
        let answer = try await call(
            .POST, "CMD_LOGIN_URL", ["action": "create", "expiry": "5m", "ips": userIP], as: username)
        guard let url = answer["url"] else { throw PanelError.unavailable("CMD_LOGIN_URL: no url in the answer") }
        return url
    }

    public func health() async throws -> PanelHealth {
        let users = try await list("CMD_API_SHOW_ALL_USERS", [:])
        let license = try? await call(.GET, "CMD_API_LICENSE", [:])
        return PanelHealth(version: license?["version"] ?? "unknown", accounts: users.count)
    }

    /// `CMD_API_MODIFY_USER` with `action=customize`: `quota` and `bandwidth` (MB), `nemails`,
    /// `mysql`; `unlimited` for none.
    public func setLimits(_ limits: PanelLimits, username: String, domain: String) async throws {
        let fields = limits.fields(disk: "quota", bandwidth: "bandwidth", mailboxes: "nemails", databases: "mysql")
        guard !fields.isEmpty else { return }
        _ = try await call(
            .POST, "CMD_API_MODIFY_USER", fields.merging(["action": "customize", "user": username]) { $1 })
    }

    /// DirectAdmin's legacy API reports use per user: `CMD_API_SHOW_USER_USAGE` (`quota` and
    /// `bandwidth` in MB) and the limits from `CMD_API_SHOW_USER_CONFIG`, after the user list,
    /// so 2 calls an account plus one, eight accounts at a time.
    public func usage() async throws -> [PanelUsage] {
        let users = try await list("CMD_API_SHOW_ALL_USERS", [:])
        return try await withThrowingTaskGroup(of: PanelUsage.self) { group in
            var results: [PanelUsage] = []
            for (index, user) in users.enumerated() {
                if index >= 8, let done = try await group.next() { results.append(done) }
                group.addTask {
                    let used = try await call(.GET, "CMD_API_SHOW_USER_USAGE", ["user": user])
                    let config = try await call(.GET, "CMD_API_SHOW_USER_CONFIG", ["user": user])
                    return PanelUsage(
                        username: user, domain: config["domain"], diskMB: PanelSize.megabytes(used["quota"]) ?? 0,
                        diskLimitMB: PanelSize.limit(config["quota"]),
                        bandwidthMB: PanelSize.megabytes(used["bandwidth"]) ?? 0,
                        bandwidthLimitMB: PanelSize.limit(config["bandwidth"]))
                }
            }
            for try await done in group { results.append(done) }
            return results
        }
    }

    /// `CMD_API_ADMIN_BACKUP` `action=create`, now, of the one user, into a directory of
    /// its own under the admin's backups (outside the user's quota); the directory is the handle.
    public func startBackup(_ target: PanelBackupTarget) async throws -> String {
        let directory = "\(Self.destination)/\(target.label)"
        _ = try await call(
            .POST, "CMD_API_ADMIN_BACKUP",
            [
                "action": "create", "when": "now", "where": "local", "local_path": directory, "who": "selected",
                "select0": target.username, "what": "all",
            ])
        return directory
    }

    /// DirectAdmin's task queue runs the backup within a minute and reports no state: the
    /// archive listed in the directory (`CMD_API_FILE_MANAGER`) is the backup done. A backup
    /// that never appears is failed by provisioning's deadline.
    public func backupState(_ job: String, of target: PanelBackupTarget) async throws -> PanelJobState {
        let file = "\(job)/user.admin.\(target.username).tar.gz"
        guard let listed = try await call(.GET, "CMD_API_FILE_MANAGER", ["path": job])[file] else { return .running }
        let size = FormEncoding.decode(listed).first { $0.0 == "size" }?.1
        return .completed(PanelArchive(location: file, sizeMB: PanelSize.megabytes(size, unit: 1)))
    }

    /// `CMD_API_FILE_MANAGER` `action=multiple&button=delete` of the backup's directory.
    public func deleteBackup(_ archive: PanelArchive, of target: PanelBackupTarget) async throws {
        let directory = archive.location.split(separator: "/").dropLast().joined(separator: "/")
        guard ("/" + directory).hasPrefix(Self.destination + "/") else {
            throw PanelError.rejected("\(archive.location) is not in \(Self.destination)")
        }
        _ = try await call(
            .POST, "CMD_API_FILE_MANAGER",
            ["action": "multiple", "button": "delete", "path": Self.destination, "select0": "/" + directory])
    }

    /// `CMD_API_ADMIN_BACKUP` `action=restore` of the archive, keeping the user's IP.
    public func startRestore(_ archive: PanelArchive, of target: PanelBackupTarget) async throws -> String {
        let parts = archive.location.split(separator: "/")
        _ = try await call(
            .POST, "CMD_API_ADMIN_BACKUP",
            [
                "action": "restore", "where": "local", "local_path": "/" + parts.dropLast().joined(separator: "/"),
                "ip_choice": "file", "select0": parts.last.map(String.init) ?? "",
            ])
        return "queued"
    }

    /// The restore is queued and DirectAdmin reports no state for it: accepted is done.
    public func restoreState(_ job: String, of target: PanelBackupTarget) async throws -> PanelJobState {
        .completed(nil)
    }

    /// `CMD_API_DNS_CONTROL` as the user: the domain's zone as DirectAdmin keeps it, whose
    /// `x._domainkey` TXT is the key DirectAdmin signs with (selector `x`).
    public func dkimKey(username: String, domain: String) async throws -> PanelDKIM? {
        let zone = try await send(.GET, "CMD_API_DNS_CONTROL", ["domain": domain], as: username)
        for (name, value) in zone where name.hasSuffix("._domainkey") || name.contains("._domainkey.") {
            guard value.contains("p=") else { continue }
            return PanelDKIM(selector: String(name.prefix { $0 != "." }), record: value)
        }
        return nil
    }

    /// Where the admin's backups go.
    static let destination = "/home/admin/admin_backups/hostwire"

    /// Calls `command` and reads its `key=value` answer; `error=1` is a refusal.
    private func call(
        _ method: HTTPMethod, _ command: String, _ parameters: [String: String],
        as user: String? = nil
    ) async throws -> [String: String] {
        Dictionary(try await send(method, command, parameters, as: user), uniquingKeysWith: { $1 })
    }

    /// Calls a listing command; its answer is `list[]=a&list[]=b` (or empty).
    private func list(_ command: String, _ parameters: [String: String], as user: String? = nil) async throws
        -> [String]
    {
        try await send(.GET, command, parameters, as: user).filter { $0.0 == "list[]" }.map(\.1)
    }

    /// Sends `command`; as `user` logs in as `admin|user`, DirectAdmin's way to act for a user.
    private func send(
        _ method: HTTPMethod, _ command: String, _ parameters: [String: String],
        as user: String?
    ) async throws -> [(String, String)] {
        let form = FormEncoding.encode(parameters.sorted { $0.key < $1.key })
        let login = user.map { "\(admin)|\($0)" } ?? admin
        let credentials = Data("\(login):\(secret)".utf8).base64EncodedString()
        let query = method == .GET && !form.isEmpty ? "?\(form)" : ""
        let response = try await http.panelCall(
            method, "/\(command)\(query)",
            headers: [("Authorization", "Basic \(credentials)")],
            body: method == .GET ? nil : form)
        let pairs = FormEncoding.decode(response.body)
        let fields = Dictionary(pairs, uniquingKeysWith: { $1 })
        if fields["error"] == "1" {
            let text = [fields["text"], fields["details"]].compactMap { $0 }.joined(separator: ": ")
            throw PanelError.rejected("\(command): \(text.isEmpty ? "no reason given" : text)")
        }
        return pairs
    }
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> Substring {
        hasPrefix(prefix) ? dropFirst(prefix.count) : Substring(self)
    }
}
