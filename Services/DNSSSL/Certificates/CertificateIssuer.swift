import ACME
import AsyncHTTPClient
import Contracts
import Crypto
import DNS
import Foundation
import Logging
import Persistence
import PostgresNIO
import Secrets
import ServiceKit
import Tasks

/// Get one certificate from the ACME CA.
struct IssueCertificateTask: TaskPayload {
    static let taskType = "issue-certificate"
    static let maxAttempts = 20
    let certificateID: UUID
    enum CodingKeys: String, CodingKey { case certificateID = "certificate_id" }
}

/// Issues a certificate: an order for its names, validated with dns-01 where the domain is
/// delegated to our name servers (each challenge's TXT written through the DNS provider and
/// seen on the authoritative servers before the CA is told to look) and with http-01 where
/// it is not (the key authorization kept for `/.well-known/acme-challenge/`, which the panel
/// servers forward here); a CSR signed by a key sealed at rest before finalizing (so a retry
/// reuses it), the chain downloaded and `certificate.issued` published with the key sealed
/// for provisioning. An attempt that fails anywhere is retried from the stored order.
struct CertificateIssuer: Sendable {
    let settings: DNSSSLSettings
    let httpClient: HTTPClient
    /// Set when the client is this service's own (a trusted CA file) and must be shut down.
    let ownedClient: HTTPClient?

    init(settings: DNSSSLSettings) {
        self.settings = settings
        ownedClient = settings.acme.caFile.map { ACMEClient.httpClient(trusting: $0) }
        httpClient = ownedClient ?? .shared
    }

    func register(in definition: inout ServiceDefinition) {
        definition.tasks.register(IssueCertificateTask.self) { task, completion in
            try await issue(task.certificateID, completion)
        } onFinalFailure: { task, failure, transaction in
            let id = task.certificateID
            guard let (account, domain) = try await CertificateStore.fail(id, reason: failure.message, in: transaction)
            else { return }
            try await transaction.publish(
                CertificateFailed(certificateID: id, accountID: account, domain: domain, reason: failure.message))
        }
    }

    private func issue(_ id: UUID, _ completion: TaskCompletion) async throws {
        let database = completion.database
        let logger = completion.logger
        guard let pending = try await CertificateStore.toIssue(id, in: database) else {
            throw PermanentTaskFailure("no certificate \(id)")
        }
        let (names, domain, account, storedOrder, sealedKey, zoneStatus) = (
            pending.names, pending.domain, pending.accountID, pending.orderURL, pending.sealedPrivateKey,
            pending.zoneStatus
        )
        guard pending.status == .pending, zoneStatus.isServed else {
            return try await completion.finish { _ in }
        }
        guard zoneStatus == .active else { throw TaskDeferral("the zone is not in DNS yet", delay: .seconds(2)) }

        let acme = try await client(database: database, logger: logger)
        var (orderURL, order) = try await currentOrder(storedOrder, names: names, acme: acme)
        if orderURL != storedOrder {
            try await CertificateStore.setOrder(orderURL, of: id, in: database)
        }
        if order.status == .pending {
            let challenge = try await delegated(domain, to: pending.nameservers) ? "dns-01" : "http-01"
            try await CertificateStore.setChallenge(challenge, of: id, in: database)
            try await validate(
                order, domain: domain, challenge: challenge, certificate: id, acme: acme, database: database)
        }
        let key = try await certificateKey(id, sealed: sealedKey, database: database)
        order = try await acme.order(orderURL)
        if order.status == .ready {
            order = try await acme.finalize(order.finalize, csr: try CertificateRequest.der(names: names, key: key))
        }
        order = try await poll("order", every: .milliseconds(250)) {
            let current = try await acme.order(orderURL)
            if current.status == .invalid { throw ACMEError.invalid(current.error?.description ?? "order invalid") }
            return current.status == .valid ? current : nil
        }
        guard let certificateURL = order.certificate else {
            throw ACMEError.unavailable("a valid order without a certificate URL")
        }
        let pem = try await acme.download(certificateURL)
        let (leaf, chain) = CertificateRequest.split(pem)
        let facts = try CertificateRequest.facts(ofLeaf: leaf)
        try? await settings.dns.delete(
            names.map { .init(name: "_acme-challenge.\($0)".absoluteDNSName, type: "TXT") }, in: domain)
        try? await HTTPChallengeStore.forget(certificate: id, in: database)
        let sealedForProvisioning = try settings.keySealer?.seal(key.pemRepresentation)
        try await completion.finish { transaction in
            try await CertificateStore.issued(id, leaf: leaf, chain: chain, facts: facts, in: transaction)
            try await transaction.publish(
                CertificateIssued(
                    certificateID: id, accountID: account, domain: domain, names: names, certificate: leaf,
                    chain: chain,
                    sealedPrivateKey: sealedForProvisioning, notAfter: facts.notAfter))
        }
        logger.info("certificate issued", metadata: ["domain": "\(domain)", "not_after": "\(facts.notAfter)"])
    }

    /// The stored order while it can still complete, else a new one.
    private func currentOrder(_ stored: String?, names: [String], acme: ACMEClient) async throws -> (String, ACMEOrder)
    {
        if let stored, let order = try? await acme.order(stored), order.status != .invalid { return (stored, order) }
        let (url, order) = try await acme.newOrder(names: names)
        return (url, order)
    }

    /// Whether the domain is delegated to one of the zone's name servers, as the resolver
    /// says; without a resolver every domain is taken as ours.
    private func delegated(_ domain: String, to nameservers: [String]) async throws -> Bool {
        guard let resolver = settings.delegationResolver else { return true }
        let ours = Set(nameservers.map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".")) })
        return try await !Set(resolver.nameservers(of: domain)).isDisjoint(with: ours)
    }

    /// Answers every pending challenge of the order of the given type and waits until the
    /// CA has validated them.
    private func validate(
        _ order: ACMEOrder, domain: String, challenge type: String, certificate: UUID, acme: ACMEClient,
        database: Database
    ) async throws {
        var pending: [String] = []
        for url in order.authorizations {
            let authorization = try await acme.authorization(url)
            guard authorization.status == .pending else {
                if authorization.status != .valid {
                    throw ACMEError.invalid(
                        "authorization for \(authorization.identifier.value) is \(authorization.status)")
                }
                continue
            }
            guard let challenge = authorization.challenges.first(where: { $0.type == type }) else {
                throw PermanentTaskFailure("the CA offers no \(type) challenge for \(authorization.identifier.value)")
            }
            if type == "http-01" {
                try await HTTPChallengeStore.keep(
                    token: challenge.token, keyAuthorization: acme.httpChallengeValue(token: challenge.token),
                    certificate: certificate, in: database)
            } else {
                let name = "_acme-challenge.\(authorization.identifier.value)".absoluteDNSName
                let value = acme.dnsChallengeValue(token: challenge.token)
                try await dnsCall {
                    try await settings.dns.replace(
                        [DNSRecordSet(name: name, type: "TXT", ttl: 60, records: ["\"\(value)\""])], in: domain)
                }
                try await waitUntilAnswered(name, value)
            }
            if challenge.status == .pending { try await acme.respond(to: challenge.url) }
            pending.append(url)
        }
        for url in pending {
            _ = try await poll("authorization", every: .milliseconds(250)) {
                let authorization = try await acme.authorization(url)
                if authorization.status == .invalid {
                    throw ACMEError.invalid("the CA could not validate \(authorization.identifier.value)")
                }
                return authorization.status == .valid ? authorization : nil
            }
        }
    }

    /// Every authoritative server answers the TXT before the CA is asked to look.
    private func waitUntilAnswered(_ name: String, _ value: String) async throws {
        for server in settings.checkServers {
            let seen = try? await poll(
                "TXT at \(server.host):\(server.port)", every: .milliseconds(200), timeout: settings.propagationTimeout
            ) {
                (try? await server.txt(name))?.contains(value) == true ? true : nil
            }
            guard seen == true else {
                throw DNSError.unavailable("\(server.host):\(server.port) does not answer \(name) TXT yet")
            }
        }
    }

    /// Repeats `check` with backoff (doubling to 2 s) until it returns a value or `timeout` passes.
    private func poll<T>(
        _ what: String, every start: Duration, timeout: Duration = .seconds(60),
        _ check: () async throws -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        var wait = start
        while true {
            if let value = try await check() { return value }
            guard ContinuousClock.now + wait < deadline else {
                throw ACMEError.unavailable("\(what) still not ready after \(timeout)")
            }
            try await Task.sleep(for: wait)
            wait = min(wait * 2, .seconds(2))
        }
    }

    /// The certificate's key: made and sealed at rest on first use, so every retry signs with the same one.
    private func certificateKey(_ id: UUID, sealed: String?, database: Database) async throws -> P256.Signing.PrivateKey
    {
        if let sealed { return try P256.Signing.PrivateKey(pemRepresentation: try settings.cipher.open(sealed)) }
        let key = P256.Signing.PrivateKey()
        let stored = try await CertificateStore.keepKey(
            try settings.cipher.seal(key.pemRepresentation), of: id, in: database)
        guard let stored else { throw PermanentTaskFailure("certificate \(id) vanished") }
        return try P256.Signing.PrivateKey(pemRepresentation: try settings.cipher.open(stored))
    }

    /// The ACME client for the configured CA with the stored account key, registering the account once.
    private func client(database: Database, logger: Logger) async throws -> ACMEClient {
        let directory = settings.acme.directoryURL
        // First use of this CA: a key is made once.
        guard
            let account = try await ACMEAccountStore.account(
                for: directory, orKeep: { try settings.cipher.seal(P256.Signing.PrivateKey().pemRepresentation) },
                in: database)
        else { throw PermanentTaskFailure("no ACME account row") }
        let (sealed, accountURL) = (account.sealedKey, account.url)
        let key = try P256.Signing.PrivateKey(pemRepresentation: try settings.cipher.open(sealed))
        let client = ACMEClient(
            directoryURL: directory, accountKey: key, accountURL: accountURL, httpClient: httpClient)
        if accountURL == nil {
            let url = try await client.account(contact: settings.acme.contact)
            try await ACMEAccountStore.registered(url, for: directory, in: database)
            logger.info("ACME account registered", metadata: ["account": "\(url)"])
        }
        return client
    }
}
