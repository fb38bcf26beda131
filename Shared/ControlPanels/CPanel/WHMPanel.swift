import ExternalHTTP
import Foundation
import NIOHTTP1

/// cPanel & WHM through WHM API 1 (`/json-api/<function>?api.version=1`), with account-level
/// work (mail, MySQL, SSL) through UAPI via `uapi_cpanel`.
public struct WHMPanel: ControlPanel {
    public let kind = PanelKind.cpanel
    let http: ExternalHTTPClient
    let authorization: String

    public init(endpoint: PanelEndpoint) {
        http = ExternalHTTPClient(baseURL: endpoint.baseURL, timeout: endpoint.timeout)
        authorization = "whm \(endpoint.username):\(endpoint.secret)"
    }

    public func account(named username: String) async throws -> PanelAccount? {
        try await accounts(["search": "^\(username)$", "searchtype": "user", "searchmethod": "regex"]).first
    }

    public func listAccounts() async throws -> [PanelAccount] {
        try await accounts([:])
    }

    public func createAccount(_ account: NewAccount) async throws {
        _ = try await call(
            "createacct",
            [
                "username": account.username, "domain": account.domain, "plan": account.plan,
                "password": account.password, "contactemail": account.contactEmail,
            ])
    }

    public func suspend(_ username: String, reason: String) async throws {
        _ = try await call("suspendacct", ["user": username, "reason": reason])
    }

    public func unsuspend(_ username: String) async throws {
        _ = try await call("unsuspendacct", ["user": username])
    }

    public func terminate(_ username: String) async throws {
        _ = try await call("removeacct", ["username": username])
    }

    public func changePackage(_ username: String, to plan: String) async throws {
        _ = try await call("changepackage", ["user": username, "pkg": plan])
    }

    public func changePassword(_ username: String, to password: String) async throws {
        _ = try await call("passwd", ["user": username, "password": password])
    }

    public func mailboxExists(_ address: String, username: String) async throws -> Bool {
        let data = try await uapi(username, "Email", "list_pops", [:])
        return (data as? [[String: Any]] ?? []).contains { $0["email"] as? String == address }
    }

    public func createMailbox(_ mailbox: NewMailbox) async throws {
        _ = try await uapi(
            mailbox.username, "Email", "add_pop",
            [
                "email": mailbox.localPart, "domain": mailbox.domain, "password": mailbox.password,
                "quota": "\(mailbox.quotaMB)",
            ])
    }

    public func databases(of username: String) async throws -> [String] {
        let data = try await uapi(username, "Mysql", "list_databases", [:])
        return (data as? [[String: Any]] ?? []).compactMap { $0["database"] as? String }
    }

    /// Creates the database, then its user, then the grant; each is repeated on its own
    /// while the panel is unavailable, and one refused because it exists (a cut-off earlier
    /// call) counts as made, so a repeated call completes what was left.
    public func createDatabase(_ database: NewDatabase) async throws {
        try await withPanelRetries {
            try await createUnlessPresent {
                _ = try await uapi(database.username, "Mysql", "create_database", ["name": database.name])
            } isPresent: {
                try await databases(of: database.username).contains(database.name)
            }
        }
        try await withPanelRetries {
            try await createUnlessPresent {
                _ = try await uapi(
                    database.username, "Mysql", "create_user", ["name": database.user, "password": database.password])
            } isPresent: {
                let users = try await uapi(database.username, "Mysql", "list_users", [:])
                return (users as? [[String: Any]] ?? []).contains { $0["user"] as? String == database.user }
            }
        }
        try await withPanelRetries {
            _ = try await uapi(
                database.username, "Mysql", "set_privileges_on_database",
                [
                    "user": database.user, "database": database.name, "privileges": "ALL PRIVILEGES",
                ])
        }
    }

    public func installCertificate(_ certificate: CertificateBundle, username: String, domain: String) async throws {
        _ = try await call(
            "installssl",
            [
                "domain": domain, "crt": certificate.certificate, "key": certificate.privateKey,
                "cab": certificate.chain,
            ])
    }

    /// `create_user_session` for `cpaneld`: its `url` logs the user in to cPanel once.
    public func loginURL(for username: String, userIP: String) async throws -> String {
        guard
            let url = try await call("create_user_session", ["user": username, "service": "cpaneld"])["url"] as? String
        else {
            throw PanelError.unavailable("create_user_session: no url in the answer")
        }
        return url
    }

    public func health() async throws -> PanelHealth {
        let version = try await call("version", [:])["version"] as? String ?? "unknown"
        return PanelHealth(version: version, accounts: try await listAccounts().count)
    }

    /// `modifyacct` with `QUOTA` and `BWLIMIT` (MB), `MAXPOP`, `MAXSQL` (`unlimited` for none).
    public func setLimits(_ limits: PanelLimits, username: String, domain: String) async throws {
        let fields = limits.fields(disk: "QUOTA", bandwidth: "BWLIMIT", mailboxes: "MAXPOP", databases: "MAXSQL")
        guard !fields.isEmpty else { return }
        _ = try await call("modifyacct", fields.merging(["user": username]) { $1 })
    }

    /// `start_background_pkgacct`: the archive lands in the server's backup destination,
    /// `/backup/hostwire/<session_id>/` (docs/panels.md), outside `/home` and the quota.
    public func startBackup(_ target: PanelBackupTarget) async throws -> String {
        guard
            let session = try await call(
                "start_background_pkgacct", ["user": target.username, "compressionsetting": "compress"])["session_id"]
                as? String, !session.isEmpty
        else { throw PanelError.unavailable("start_background_pkgacct: no session_id in the answer") }
        return session
    }

    /// `get_pkgacct_session_state`; WHM reports no size.
    public func backupState(_ job: String, of target: PanelBackupTarget) async throws -> PanelJobState {
        try await sessionState("get_pkgacct_session_state", ["session_id": job]) {
            PanelArchive(location: "\(Self.destination)/\(job)/cpmove-\(target.username).tar.gz", sizeMB: nil)
        }
    }

    /// `delete_account_archives` with the session's directory as the mount point: that one archive.
    public func deleteBackup(_ archive: PanelArchive, of target: PanelBackupTarget) async throws {
        let directory = archive.location.split(separator: "/").dropLast().joined(separator: "/")
        guard directory.hasPrefix(String(Self.destination.dropFirst())) else {
            throw PanelError.rejected("\(archive.location) is not in \(Self.destination)")
        }
        _ = try await call("delete_account_archives", ["user": target.username, "mountpoint": "/" + directory])
    }

    /// `start_local_cpmove_restore` of the archive.
    public func startRestore(_ archive: PanelArchive, of target: PanelBackupTarget) async throws -> String {
        guard
            let session = try await call("start_local_cpmove_restore", ["cpmovepath": archive.location])[
                "transfer_session_id"] as? String
        else { throw PanelError.unavailable("start_local_cpmove_restore: no transfer_session_id in the answer") }
        return session
    }

    public func restoreState(_ job: String, of target: PanelBackupTarget) async throws -> PanelJobState {
        try await sessionState("get_transfer_session_state", ["transfer_session_id": job]) { nil }
    }

    /// UAPI `EmailAuth::validate_current_dkims`: the record cPanel expects at
    /// `default._domainkey.<domain>` (`expected`).
    public func dkimKey(username: String, domain: String) async throws -> PanelDKIM? {
        let data = try await uapi(username, "EmailAuth", "validate_current_dkims", ["domain": domain])
        guard let row = (data as? [[String: Any]])?.first, let expected = row["expected"] as? String,
            expected.contains("p=")
        else { return nil }
        let selector = (row["domain"] as? String)?.components(separatedBy: "._domainkey.").first ?? "default"
        return PanelDKIM(selector: selector, record: expected)
    }

    /// Where pkgacct sessions write (the server's backup mount, set up once per server).
    static let destination = "/backup/hostwire"

    /// A session's `RUNNING`, `COMPLETED` or `FAILED` (with the envelope's reason).
    private func sessionState(
        _ function: String, _ parameters: [String: String], archive: () -> PanelArchive?
    ) async throws -> PanelJobState {
        let response = try await http.panelCall(
            .POST, "/json-api/\(function)?api.version=1", headers: [("Authorization", authorization)],
            body: FormEncoding.encode(parameters.sorted { $0.key < $1.key }))
        let envelope = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        let reason = (envelope?["metadata"] as? [String: Any])?["reason"] as? String ?? "no reason given"
        switch (envelope?["data"] as? [String: Any])?["state"] as? String {
        case "RUNNING": return .running
        case "COMPLETED": return .completed(archive())
        case "FAILED": return .failed(reason)
        default: throw PanelError.rejected("\(function): \(reason)")
        }
    }

    /// `listaccts` for disk (`diskused`, `disklimit`, as "512M" or "unlimited") and `showbw`
    /// for this month's traffic (`totalbytes`, `limit` in bytes): two calls however many accounts.
    public func usage() async throws -> [PanelUsage] {
        let disk = try await call("listaccts", ["want": "user,diskused,disklimit"])["acct"] as? [[String: Any]] ?? []
        let traffic = try await call("showbw", [:])["acct"] as? [[String: Any]] ?? []
        var bandwidth: [String: (used: Int, limit: Int?)] = [:]
        for row in traffic {
            guard let user = row["user"] as? String else { continue }
            bandwidth[user] = (
                PanelSize.megabytes(row["totalbytes"], unit: 1) ?? 0, PanelSize.limit(row["limit"], unit: 1)
            )
        }
        return disk.compactMap { row in
            guard let user = row["user"] as? String else { return nil }
            return PanelUsage(
                username: user, domain: nil, diskMB: PanelSize.megabytes(row["diskused"]) ?? 0,
                diskLimitMB: PanelSize.limit(row["disklimit"]), bandwidthMB: bandwidth[user]?.used ?? 0,
                bandwidthLimitMB: bandwidth[user]?.limit ?? nil)
        }
    }

    private func accounts(_ filter: [String: String]) async throws -> [PanelAccount] {
        let data = try await call(
            "listaccts", filter.merging(["want": "user,domain,plan,suspended,suspendreason"]) { $1 })
        return (data["acct"] as? [[String: Any]] ?? []).compactMap { row in
            guard let user = row["user"] as? String else { return nil }
            let suspended = (row["suspended"] as? Int ?? Int(row["suspended"] as? String ?? "0") ?? 0) == 1
            let reason = row["suspendreason"] as? String
            return PanelAccount(
                username: user, domain: row["domain"] as? String ?? "", plan: row["plan"] as? String ?? "",
                suspended: suspended, suspendReason: suspended && reason != "not suspended" ? reason : nil)
        }
    }

    /// Calls a WHM API 1 function; `metadata.result` 0 is a refusal with `metadata.reason`.
    private func call(_ function: String, _ parameters: [String: String]) async throws -> [String: Any] {
        let response = try await http.panelCall(
            .POST, "/json-api/\(function)?api.version=1", headers: [("Authorization", authorization)],
            body: FormEncoding.encode(parameters.sorted { $0.key < $1.key }))
        guard let envelope = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
            let metadata = envelope["metadata"] as? [String: Any]
        else {
            throw PanelError.unavailable("\(function): response is not a WHM API 1 envelope")
        }
        guard (metadata["result"] as? Int) == 1 else {
            throw PanelError.rejected("\(function): \(metadata["reason"] as? String ?? "no reason given")")
        }
        return envelope["data"] as? [String: Any] ?? [:]
    }

    /// Calls a UAPI function as `user`; `data.uapi.status` 0 is a refusal with its `errors`,
    /// even when the outer WHM result is 1.
    private func uapi(_ user: String, _ module: String, _ function: String, _ parameters: [String: String]) async throws
        -> Any?
    {
        let data = try await call(
            "uapi_cpanel",
            parameters.merging([
                "cpanel.user": user, "cpanel.module": module, "cpanel.function": function,
            ]) { $1 })
        guard let uapi = data["uapi"] as? [String: Any] else {
            throw PanelError.unavailable("\(module)::\(function): no uapi object in the response")
        }
        guard (uapi["status"] as? Int) == 1 else {
            let errors = (uapi["errors"] as? [String])?.joined(separator: "; ") ?? "no reason given"
            throw PanelError.rejected("\(module)::\(function): \(errors)")
        }
        return uapi["data"]
    }
}
