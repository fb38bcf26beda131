import AsyncHTTPClient
import Contracts
import Foundation
import Messaging
import NIOCore
import Secrets
import ZeroMQ

/// Emails per second: publishes `account.provisioned` events as provisioning would (a
/// fresh publisher stream, numbered from 1) and waits until the mail service has sent a
/// welcome email for each, read from its task counts. Run against a mail service whose
/// database has never seen provisioning's stream.
struct MailStage {
    let options: LoadMain

    func run() async throws -> String {
        let count = options.rate * options.duration
        let sealer = try options.mailPublicKey.map { try FieldSealer(publicKey: $0, purpose: "account.password") }
        let loop = try await MessageLoop(context: ZMQContext(), name: "load-mail", sockets: [
            SocketSpec(.pub, [.connect(options.publish)]),
        ])
        try await Task.sleep(for: .milliseconds(500))
        let before = try await sent()
        let start = ContinuousClock.now
        for number in 1...count {
            let event = AccountProvisioned(
                accountID: UUID(), orderID: UUID(), customerID: UUID(), customerName: "Load \(number)",
                contactEmail: "load\(number)@mail.example", domain: "load\(number).example", username: "load\(number)",
                serverHostname: "whm1.example.net", serverIP: "192.0.2.1", nameservers: ["ns1.example.net"], panel: "cpanel",
                controlPanelURL: "https://whm1.example.net:2083", sealedPassword: try sealer?.seal("Pw-\(number)"))
            let header = EnvelopeHeader(type: AccountProvisioned.wireName, version: 1, source: "provisioning", sequence: Int64(number))
            let wire = try WireMessage.make(event, to: AccountProvisioned.topic, header: header)
            loop.send([Array(wire.address.utf8), wire.envelope], on: 0)
        }
        let deadline = ContinuousClock.now + .seconds(options.drain)
        var done = before
        while ContinuousClock.now < deadline {
            done = try await sent()
            FileHandle.standardError.write(Data("\rsent \(done - before) of \(count)   ".utf8))
            if done - before >= count { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        await loop.stop()
        return String(format: "\nstage mail: %d welcome emails rendered and sent over SMTP in %.1f s: %.0f emails/s",
                      done - before, seconds, Double(done - before) / seconds)
    }

    private func sent() async throws -> Int {
        var request = HTTPClientRequest(url: options.mail + "/api/mail/tasks?type=send-email&status=done&per_page=1")
        request.headers.add(name: "Authorization", value: "Bearer \(options.token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])?["total"] as? Int ?? 0
    }
}
