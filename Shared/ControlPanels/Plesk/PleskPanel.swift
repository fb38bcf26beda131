import ExternalHTTP
import Foundation
import NIOHTTP1

/// Plesk through REST API v2 (`/api/v2`, `X-API-Key`), with its CLI bridge for mail and
/// plan switches and the XML API (`/enterprise/control/agent.php`) for certificates and
/// login sessions, which REST lacks. A Hostwire account is a Plesk customer (login = username) owning
/// one domain (subscription).
public struct PleskPanel: ControlPanel {
    public let kind = PanelKind.plesk
    let http: ExternalHTTPClient
    let key: String
    /// Plesk serves its panel where its API is (port 8443): login links point here.
    let baseURL: String

    public init(endpoint: PanelEndpoint) {
        http = ExternalHTTPClient(baseURL: endpoint.baseURL, timeout: endpoint.timeout)
        key = endpoint.secret
        baseURL = endpoint.baseURL
    }

    struct Client: Decodable {
        let id: Int
        let login: String
    }
    struct Domain: Decodable {
        let id: Int
        let name: String
    }
    struct Status: Decodable { let status: String }
    struct Created: Decodable { let id: Int }
    struct CLIResult: Decodable {
        let code: Int
        let stdout: String
        let stderr: String
    }
    struct DatabaseRow: Decodable {
        let id: Int
        let name: String
    }
    struct DatabaseUser: Decodable { let login: String }
    struct Server: Decodable { let panel_version: String? }
    struct Problem: Decodable {
        let code: Int
        let message: String
    }

    public func account(named username: String) async throws -> PanelAccount? {
        guard let client = try await client(username) else { return nil }
        return try await account(of: client)
    }

    public func listAccounts() async throws -> [PanelAccount] {
        var accounts: [PanelAccount] = []
        for client in try await rest(.GET, "/clients", as: [Client].self) {
            accounts.append(try await account(of: client))
        }
        return accounts
    }

    /// Creates the customer, then its subscription; a customer left without one by an
    /// earlier, cut-off call is completed rather than duplicated.
    public func createAccount(_ account: NewAccount) async throws {
        try await createUnlessPresent {
            _ = try await rest(
                .POST, "/clients",
                json: [
                    "name": account.username, "login": account.username, "password": account.password,
                    "email": account.contactEmail, "type": "customer",
                ], as: Created.self)
        } isPresent: {
            guard let existing = try await client(account.username) else { return false }
            guard try await domains(of: existing).isEmpty else {
                throw PanelError.rejected("customer \(account.username) exists")
            }
            return true
        }
        _ = try await rest(
            .POST, "/domains",
            json: [
                "name": account.domain, "hosting_type": "virtual",
                "hosting_settings": ["ftp_login": account.username, "ftp_password": account.password],
                "owner_client": ["login": account.username], "ip_addresses": [account.ip],
                "plan": ["name": account.plan],
            ], as: Created.self)
    }

    public func suspend(_ username: String, reason: String) async throws {
        _ = try await rest(.PUT, "/clients/\(try await required(username).id)/suspend", as: Status.self)
    }

    public func unsuspend(_ username: String) async throws {
        _ = try await rest(.PUT, "/clients/\(try await required(username).id)/activate", as: Status.self)
    }

    public func terminate(_ username: String) async throws {
        _ = try await rest(.DELETE, "/clients/\(try await required(username).id)", as: Status.self)
    }

    public func changePackage(_ username: String, to plan: String) async throws {
        let domain = try await domains(of: required(username)).first?.name ?? ""
        try await cli("subscription", ["--switch-subscription", domain, "-service-plan", plan])
    }

    public func changePassword(_ username: String, to password: String) async throws {
        _ = try await rest(
            .PUT, "/clients/\(try await required(username).id)", json: ["password": password], as: Created.self)
    }

    public func mailboxExists(_ address: String, username: String) async throws -> Bool {
        let result = try await rest(.POST, "/cli/mail/call", json: ["params": ["--info", address]], as: CLIResult.self)
        return result.code == 0
    }

    public func createMailbox(_ mailbox: NewMailbox) async throws {
        try await cli(
            "mail",
            [
                "--create", mailbox.address, "-passwd", mailbox.password, "-mailbox", "true",
                "-mbox_quota", mailbox.quotaMB == 0 ? "-1" : "\(mailbox.quotaMB)M",
            ])
    }

    public func databases(of username: String) async throws -> [String] {
        guard let domain = try await domains(of: required(username)).first else { return [] }
        return try await rest(.GET, "/databases?domain=\(FormEncoding.escape(domain.name))", as: [DatabaseRow].self)
            .map(\.name)
    }

    /// Creates the database, then its user; either refused because it exists (a cut-off
    /// earlier call) is taken as made.
    public func createDatabase(_ database: NewDatabase) async throws {
        let id: Int
        do {
            id = try await rest(
                .POST, "/databases",
                json: [
                    "name": database.name, "type": "mysql", "parent_domain": ["name": database.domain], "server_id": 1,
                ], as: Created.self
            ).id
        } catch PanelError.rejected(let reason) {
            let existing = try await rest(
                .GET, "/databases?domain=\(FormEncoding.escape(database.domain))", as: [DatabaseRow].self)
            guard let found = existing.first(where: { $0.name == database.name }) else {
                throw PanelError.rejected(reason)
            }
            id = found.id
        }
        try await createUnlessPresent {
            _ = try await rest(
                .POST, "/dbusers", json: ["login": database.user, "password": database.password, "database_id": id],
                as: Created.self)
        } isPresent: {
            try await rest(.GET, "/dbusers?dbId=\(id)", as: [DatabaseUser].self).contains { $0.login == database.user }
        }
    }

    public func installCertificate(_ certificate: CertificateBundle, username: String, domain: String) async throws {
        try await xml(
            """
            <packet><certificate><install><name>hostwire-\(xmlEscaped(domain))</name><webspace>\(xmlEscaped(domain))</webspace>\
            <content><csr></csr><pvt>\(xmlEscaped(certificate.privateKey))</pvt><cert>\(xmlEscaped(certificate.certificate))</cert>\
            <ca>\(xmlEscaped(certificate.chain))</ca></content></install></certificate></packet>
            """)
    }

    /// `<server><create_session>` for the customer, redeemed once by the browser at
    /// `rsession_init.php` ("Automatic logging in to Plesk").
    public func loginURL(for username: String, userIP: String) async throws -> String {
        let answer = try await xml(
            """
            <packet><server><create_session><login>\(xmlEscaped(username))</login><data>\
            <user_ip>\(Data(userIP.utf8).base64EncodedString())</user_ip><source_server></source_server>\
            </data></create_session></server></packet>
            """)
        guard let start = answer.range(of: "<id>"), let end = answer.range(of: "</id>"),
            start.upperBound < end.lowerBound
        else {
            throw PanelError.unavailable("create_session: no session id in the answer")
        }
        let id = answer[start.upperBound..<end.lowerBound]
        return "\(baseURL)/enterprise/rsession_init.php?PLESKSESSID=\(id)"
    }

    public func health() async throws -> PanelHealth {
        let server = try await rest(.GET, "/server", as: Server.self)
        return PanelHealth(
            version: server.panel_version ?? "unknown",
            accounts: try await rest(.GET, "/clients", as: [Client].self).count)
    }

    private func account(of client: Client) async throws -> PanelAccount {
        guard let domain = try await domains(of: client).first else {
            return PanelAccount(username: client.login, domain: "", plan: "", suspended: false)
        }
        let status = try await rest(.GET, "/domains/\(domain.id)/status", as: Status.self).status
        return PanelAccount(
            username: client.login, domain: domain.name, plan: "", suspended: status != "active",
            suspendReason: status == "active" ? nil : status)
    }

    private func client(_ login: String) async throws -> Client? {
        try await rest(.GET, "/clients", as: [Client].self).first { $0.login == login }
    }

    private func required(_ login: String) async throws -> Client {
        guard let client = try await client(login) else { throw PanelError.rejected("no customer with login \(login)") }
        return client
    }

    private func domains(of client: Client) async throws -> [Domain] {
        try await rest(.GET, "/clients/\(client.id)/domains", as: [Domain].self)
    }

    /// Calls REST v2; errors come as `{"code":N,"message":"…"}` with a 4xx/5xx status.
    private func rest<T: Decodable>(
        _ method: HTTPMethod, _ path: String, json: [String: Any]? = nil,
        as type: T.Type
    ) async throws -> T {
        let body = try json.map {
            String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self)
        }
        let response: ExternalResponse
        do {
            response = try await http.send(
                method, "/api/v2\(path)", headers: [("X-API-Key", key), ("Accept", "application/json")],
                body: body, contentType: "application/json")
        } catch {
            throw PanelError.unavailable("\(error)")
        }
        if var error = PanelError.from(response) {
            if case .rejected = error, let problem = try? response.decode(Problem.self) {
                error = .rejected("\(method.rawValue) \(path): \(problem.message)")
            }
            throw error
        }
        do {
            return try response.decode(T.self)
        } catch {
            throw PanelError.unavailable("\(method.rawValue) \(path): unexpected response body")
        }
    }

    /// The `subscription_settings` utility through the REST CLI bridge: `-disk_space` and
    /// `-max_traffic` (with an `M` suffix), `-max_box`, `-max_db`; `-1` for none.
    public func setLimits(_ limits: PanelLimits, username: String, domain: String) async throws {
        let fields = limits.fields(
            disk: "-disk_space", bandwidth: "-max_traffic", mailboxes: "-max_box", databases: "-max_db",
            unlimited: "-1", scale: { "\($0)M" })
        guard !fields.isEmpty else { return }
        try await cli(
            "subscription_settings",
            ["--update", domain] + fields.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] })
    }

    /// One XML API `webspace get` for every subscription: `gen_info` (`name`, `real_size` in
    /// bytes), `stat` (this month's `traffic` in bytes) and `limits` (`disk_space`, `max_traffic`;
    /// -1 is unlimited).
    public func usage() async throws -> [PanelUsage] {
        let answer = try await xml(
            """
            <packet><webspace><get><filter/><dataset><gen_info/><stat/><limits/></dataset></get></webspace></packet>
            """, listing: true)
        return answer.components(separatedBy: "<result>").dropFirst().compactMap { result in
            func value(_ tag: String, in text: String) -> String? { Self.element(tag, in: text) }
            func limit(_ name: String) -> Int? {
                result.components(separatedBy: "<limit>").dropFirst()
                    .first { value("name", in: $0) == name }
                    .flatMap { PanelSize.limit(value("value", in: $0), unit: 1) }
            }
            guard value("status", in: result) == "ok", let domain = value("name", in: result) else { return nil }
            return PanelUsage(
                username: nil, domain: domain,
                diskMB: PanelSize.megabytes(value("real_size", in: result), unit: 1) ?? 0,
                diskLimitMB: limit("disk_space"),
                bandwidthMB: PanelSize.megabytes(value("traffic", in: result), unit: 1) ?? 0,
                bandwidthLimitMB: limit("max_traffic"))
        }
    }

    /// XML API `backup-manager` `backup-webspace` to the local storage (outside the
    /// subscription's quota), named with the label as prefix; answers a task id.
    public func startBackup(_ target: PanelBackupTarget) async throws -> String {
        let answer = try await xml(
            """
            <packet><backup-manager><backup-webspace><webspace-name>\(xmlEscaped(target.domain))</webspace-name><local/>\
            <prefix>\(xmlEscaped(target.label))</prefix><description>Hostwire backup</description>\
            </backup-webspace></backup-manager></packet>
            """)
        guard let task = Self.element("task-id", in: answer) else {
            throw PanelError.unavailable("backup-webspace: no task-id in the answer")
        }
        return task
    }

    /// `get-tasks-info` for the task: `started`, `finished` with the backup's file and size, or `failed`.
    public func backupState(_ job: String, of target: PanelBackupTarget) async throws -> PanelJobState {
        let answer = try await xml(
            """
            <packet><backup-manager><get-tasks-info><webspace-name>\(xmlEscaped(target.domain))</webspace-name>\
            <task-id>\(xmlEscaped(job))</task-id></get-tasks-info></backup-manager></packet>
            """)
        switch Self.element("task-status", in: answer) {
        case "finished":
            guard let file = Self.element("backup-name", in: answer) else {
                throw PanelError.unavailable("get-tasks-info: a finished task without backup-name")
            }
            return .completed(
                PanelArchive(location: file, sizeMB: PanelSize.megabytes(Self.element("size", in: answer), unit: 1)))
        case "failed": return .failed(Self.element("task-error", in: answer) ?? "backup task failed")
        default: return .running
        }
    }

    /// `backup-manager` `remove-file` from the subscription's local storage.
    public func deleteBackup(_ archive: PanelArchive, of target: PanelBackupTarget) async throws {
        try await xml(
            """
            <packet><backup-manager><remove-file><webspace-name>\(xmlEscaped(target.domain))</webspace-name>\
            <filename>\(xmlEscaped(archive.location))</filename></remove-file></backup-manager></packet>
            """)
    }

    /// `pleskrestore --restore FILE -level domains -filter list:DOMAIN` through the CLI
    /// bridge, which answers when the restore has run.
    public func startRestore(_ archive: PanelArchive, of target: PanelBackupTarget) async throws -> String {
        try await cli(
            "pleskrestore", ["--restore", archive.location, "-level", "domains", "-filter", "list:\(target.domain)"])
        return "done"
    }

    public func restoreState(_ job: String, of target: PanelBackupTarget) async throws -> PanelJobState {
        .completed(nil)
    }

    /// REST `GET /dns/records?domain=`: Plesk keeps the domain's DKIM key as the TXT record
    /// `default._domainkey.<domain>.` of its own zone, served or not.
    public func dkimKey(username: String, domain: String) async throws -> PanelDKIM? {
        let records = try await rest(
            .GET,
            "/dns/records?domain=\(domain.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: ".-"))) ?? domain)",
            as: [DNSRecord].self)
        guard let key = records.first(where: { $0.type == "TXT" && $0.host.contains("._domainkey.") }) else {
            return nil
        }
        return PanelDKIM(
            selector: String(key.host.prefix { $0 != "." }), record: key.value)
    }

    private struct DNSRecord: Decodable {
        let type: String
        let host: String
        let value: String
    }

    /// The text of the first `<tag>` element in an XML answer.
    private static func element(_ tag: String, in text: String) -> String? {
        guard let start = text.range(of: "<\(tag)>"),
            let end = text.range(of: "</\(tag)>", range: start.upperBound..<text.endIndex)
        else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }

    /// Runs a Plesk CLI utility through REST; a non-zero exit code is a refusal.
    private func cli(_ command: String, _ parameters: [String]) async throws {
        let result = try await rest(.POST, "/cli/\(command)/call", json: ["params": parameters], as: CLIResult.self)
        guard result.code == 0 else {
            throw PanelError.rejected(
                "\(command) \(parameters.first ?? ""): \(result.stderr.isEmpty ? result.stdout : result.stderr)")
        }
    }

    /// Sends an XML API packet and returns the answer; `<status>error</status>` anywhere is a
    /// refusal with its `errtext`. A listing (`results`) may have no result at all.
    @discardableResult
    private func xml(_ packet: String, listing: Bool = false) async throws -> String {
        let response = try await http.panelCall(
            .POST, "/enterprise/control/agent.php", headers: [("KEY", key)],
            body: packet, contentType: "text/xml")
        if response.body.contains("<status>error</status>") {
            let text = response.body.range(of: "<errtext>").flatMap { start in
                response.body.range(of: "</errtext>").map { String(response.body[start.upperBound..<$0.lowerBound]) }
            }
            throw PanelError.rejected("XML API: \(text ?? "error")")
        }
        guard listing || response.body.contains("<status>ok</status>") else {
            throw PanelError.unavailable("XML API: no result status")
        }
        return response.body
    }

    private func xmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
