import Contracts
import Foundation
import Hummingbird

/// A hosting account's backups, from the services page: the copies kept, one made now, and
/// one restored once the customer has read what that replaces, the restore followed live.
struct BackupPagesController: Sendable {
    let pages: PageRenderer
    let services: ServiceAPIs
    let link: CustomerLink

    /// What the customer's account is and has, for one request.
    struct Loaded {
        let account: HostingAccount
        let session: PortalSession
        let backups: CustomerBackups
        var id: String { account.id.uuidString.lowercased() }
    }

    func addRoutes(to router: RouterGroup<PortalRequestContext>) {
        router.get("services/{id}/backups") { request, context in
            let notice: String? =
                request.uri.queryParameters.get("asked") == "1"
                ? "We are making the backup now. It is listed here as soon as it is done, in a few minutes." : nil
            return try await page(try await load(context), notice: notice, context: context)
        }
        router.get("services/{id}/backups/progress") { _, context in
            let loaded = try await load(context)
            guard let restore = loaded.backups.restores.first else { throw PortalError.notFound }
            return try Self.progress(restore, of: loaded).response()
        }
        // The copies alone, which the page's script swaps in while a backup is being made.
        router.get("services/{id}/backups/list") { _, context in
            pages.render("backups-list", Self.values(try await load(context)), context: context)
        }
        router.post("services/{id}/backups", use: backUp)
        router.get("services/{id}/backups/{backup}/restore") { _, context in
            let loaded = try await load(context)
            return try confirmation(loaded, try Self.restorable(loaded, context), context: context)
        }
        router.post("services/{id}/backups/{backup}/restore", use: restore)
    }

    @Sendable func backUp(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let loaded = try await load(context)
        do {
            try await services.backUp(loaded.account.id, loaded.session)
        } catch let error as ServiceCallError where error.status == 429 {
            return try await page(
                loaded,
                errors: [
                    "You have asked for as many backups as a day allows. The nightly backup is made all the same."
                ],
                context: context, status: .tooManyRequests)
        } catch let error as ServiceCallError where error.status == 409 {
            let message =
                error.code == "backup_in_progress"
                ? "The backup you asked for is still being made: it is listed here when it is done."
                : "Backups can be asked for while the account is active."
            return try await page(loaded, errors: [message], context: context, status: .conflict)
        }
        return Response.redirect(to: "/services/\(loaded.id)/backups?asked=1", type: .normal)
    }

    @Sendable func restore(_ request: Request, context: PortalRequestContext) async throws -> Response {
        let loaded = try await load(context)
        let backup = try Self.restorable(loaded, context)
        guard context.form.text("confirm") == "yes" else {
            return try confirmation(
                loaded, backup, errors: ["Tick the box to confirm that the changes since then are replaced."],
                context: context, status: .unprocessableContent)
        }
        do {
            try await services.restore(loaded.account.id, to: backup.id, loaded.session)
        } catch let error as ServiceCallError where error.status == 409 {
            let message =
                error.code == "account_not_active"
                ? "This account is not active, so it cannot be restored from here. Please write to us."
                : "A restore of this account is already under way, or this copy is no longer kept."
            return try confirmation(loaded, backup, errors: [message], context: context, status: .conflict)
        }
        return Response.redirect(to: "/services/\(loaded.id)/backups", type: .normal)
    }

    private func load(_ context: PortalRequestContext) async throws -> Loaded {
        let session = try await link.session(context)
        guard let id = context.parameters.get("id", as: UUID.self),
            let account = try await services.accounts(session).first(where: { $0.id == id }),
            ["active", "suspended"].contains(account.status),
            let backups = try await services.backups(of: id, session)
        else { throw PortalError.notFound }
        return Loaded(account: account, session: session, backups: backups)
    }

    /// The completed backup `{backup}` of the account, while one may be restored.
    private static func restorable(_ loaded: Loaded, _ context: PortalRequestContext) throws -> CustomerBackup {
        guard let id = context.parameters.get("backup", as: UUID.self),
            let backup = loaded.backups.backups.first(where: { $0.id == id && $0.status == .completed })
        else { throw PortalError.notFound }
        return backup
    }

    private func page(
        _ loaded: Loaded, notice: String? = nil, errors: [String] = [], context: PortalRequestContext,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var values = Self.values(loaded)
        values["title"] = "Backups of \(loaded.account.domain)"
        values["errors"] = errors
        values["notice"] = notice ?? ""
        // The newest restore stays on the page for a day after it ended.
        if let latest = loaded.backups.restores.first,
            latest.step.isOpen || (latest.finishedAt.map { $0 > Date().addingTimeInterval(-86_400) } ?? false)
        {
            values["restore"] = Self.progress(latest, of: loaded).values
        }
        return pages.render("backups", values, context: context, status: status)
    }

    /// The copies and what may be done with them, for the page and for its live list.
    static func values(_ loaded: Loaded) -> [String: Any] {
        let list = loaded.backups
        let live = loaded.account.status == "active"
        let restoring = list.restores.first?.step.isOpen == true
        let making = list.backups.contains { $0.kind == .manual && ($0.status == .queued || $0.status == .running) }
        return [
            "domain": loaded.account.domain, "id": loaded.id,
            // A restore pauses the account itself: that is not the suspension staff lift.
            "suspended": !live && loaded.account.suspendReason != "restore",
            "backups": list.backups.map { backup -> [String: Any] in
                let done = backup.status == .completed
                return [
                    "backup_id": backup.id.uuidString.lowercased(),
                    "made": Self.moment(backup.completedAt ?? backup.requestedAt),
                    "kind": Self.kindText(backup.kind), "size": backup.sizeMB.map(SizeText.megabytes) ?? "—",
                    "kept_until": done ? Self.day(backup.expiresAt) : "", "being_made": !done,
                    "restorable": done && live && !restoring,
                ]
            },
            "has_backups": !list.backups.isEmpty,
            "can_back_up": live && !making && !restoring && list.backupsLeftToday > 0,
            "left_today": list.backupsLeftToday, "making": making, "restoring": restoring,
        ]
    }

    private func confirmation(
        _ loaded: Loaded, _ backup: CustomerBackup, errors: [String] = [], context: PortalRequestContext,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let made = Self.moment(backup.completedAt ?? backup.requestedAt)
        return pages.render(
            "restore",
            [
                "title": "Restore \(loaded.account.domain)", "domain": loaded.account.domain, "id": loaded.id,
                "backup": backup.id.uuidString.lowercased(), "made": made, "kind": Self.kindPhrase(backup.kind),
                "size": backup.sizeMB.map(SizeText.megabytes) ?? "", "errors": errors,
            ], context: context, status: status)
    }

    /// A restore's steps as the page and `portal.js` show them. A failed restore marks the
    /// steps it did not finish: which one failed is the operators' to read.
    static func progress(_ restore: CustomerRestore, of loaded: Loaded) -> ProgressReport {
        let steps: [(RestoreStep, String)] = [
            (.safetyBackup, "A copy of the account as it is now"), (.suspend, "Site and email paused"),
            (.restore, "Backup restored"), (.unsuspend, "Site and email back"),
        ]
        let reached = steps.firstIndex { $0.0 == restore.step } ?? steps.count
        let made = loaded.backups.backups.first { $0.id == restore.backupID }.map {
            Self.moment($0.completedAt ?? $0.requestedAt)
        }
        let message: String =
            switch restore.step {
            case .done:
                "Done: \(loaded.account.domain) is as it was\(made.map { " on \($0)" } ?? ""). The copy made just before is listed below: restoring it undoes this."
            case .failed:
                "This restore did not finish. Our team has been told and will write to you; the copy made just before it is listed below."
            default:
                "Your account is being restored. This page follows each step; it takes a few minutes."
            }
        return ProgressReport(
            steps: steps.enumerated().map { index, step in
                let state: ProgressReport.State =
                    switch restore.step {
                    case .done: .done
                    case .failed: .failed
                    default: index < reached ? .done : index == reached ? .working : .waiting
                    }
                let last = index == steps.count - 1
                return .init(
                    id: step.0.rawValue, label: step.1, state: state, at: last ? restore.finishedAt : nil)
            }, message: message, settled: !restore.step.isOpen)
    }

    static func kindText(_ kind: BackupKind) -> String {
        switch kind {
        case .scheduled: "Nightly"
        case .manual: "Asked for"
        case .safety: "Made before a restore"
        }
    }

    static func kindPhrase(_ kind: BackupKind) -> String {
        switch kind {
        case .scheduled: "the nightly copy"
        case .manual: "a copy asked for"
        case .safety: "the copy made before a restore"
        }
    }

    /// "5 Dec 2026, 01:30 UTC".
    static func moment(_ date: Date) -> String {
        date.formatted(
            Date.VerbatimFormatStyle(
                format:
                    "\(day: .defaultDigits) \(month: .abbreviated) \(year: .defaultDigits), \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits) UTC",
                locale: Self.english, timeZone: .gmt, calendar: Calendar(identifier: .gregorian)))
    }

    /// "5 Dec 2026".
    static func day(_ date: Date) -> String {
        date.formatted(
            Date.VerbatimFormatStyle(
                format: "\(day: .defaultDigits) \(month: .abbreviated) \(year: .defaultDigits)", locale: Self.english,
                timeZone: .gmt, calendar: Calendar(identifier: .gregorian)))
    }

    /// The pages' language, whatever the server's: month names in English.
    private static let english = Locale(identifier: "en_US_POSIX")
}
