import Contracts
import Foundation
import Secrets

/// Mail alone: `account.provisioned` published as provisioning would (passwords sealed for
/// mail), timed to the welcome email's arrival at the SMTP server (render the Mustache
/// templates, open the password, MIME, SMTP through libcurl).
struct MailStage {
    let options: LoadMain

    func run() async throws -> String {
        let welcomed = LatencyRecorder()
        let runID = LoadMain.runID()
        let sealer =
            options.mailPublicKey.isEmpty
            ? nil : try FieldSealer(publicKey: options.mailPublicKey, purpose: "account.password")
        try await withMaildir(
            options.maildir,
            { recipient, subject, arrived in
                if subject.hasPrefix(ChainStage.welcomeSubject) { welcomed.finish(recipient, wallClock: arrived) }
            }
        ) {
            try await BusFeed.with(as: "provisioning", events: options.publish, commands: options.commands) { feed in
                await options.drive(
                    progress: { "published \(welcomed.counts.started)  received \(welcomed.counts.finished)" },
                    until: { welcomed.pending == 0 }
                ) { number in
                    do {
                        let event = try Samples.accountProvisioned(number, runID: runID, sealer: sealer)
                        welcomed.start(event.contactEmail)
                        try feed.publish(event)
                    } catch {
                        welcomed.fail(error, key: "owner@\(Samples.domain(number, runID: runID))")
                    }
                }
            }
        }
        return options.heading + welcomed.summary("account.provisioned → welcome email received")
    }
}
