import Foundation
import Hummingbird
import HummingbirdAuth

/// The signed-in person's profile (name and invoice details) and their data: everything held
/// about them as one JSON download, and a request to be forgotten, which staff carry out
/// (keeping what the law requires for invoices).
struct ProfileController: Sendable {
    let pages: PageRenderer
    let people: any PersonRepository
    let sessions: PostgresSessionStore
    let services: ServiceAPIs

    func addRoutes(to router: RouterGroup<PortalRequestContext>) {
        router.get("account/profile", use: profile)
        router.post("account/profile", use: saveProfile)
        router.get("account/data", use: data)
        router.get("account/data/export", use: export)
        router.post("account/data/erasure", use: requestErasure)
    }

    @Sendable func profile(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard let session = context.person, let profile = try await people.profile(of: session.personID) else {
            throw PortalError.notFound
        }
        var values = Self.values(profile)
        values["saved"] = request.uri.queryParameters.get("saved") == "1"
        return pages.render("profile", values, context: context)
    }

    @Sendable func saveProfile(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard var session = context.person else { throw PortalError.notFound }
        let form = context.form
        let problems = Profile.problems(
            name: form.text("name"), company: form.text("company"), address: form.text("address"),
            city: form.text("city"), postalCode: form.text("postal_code"), country: form.text("country"),
            vatID: form.text("vat_id"))
        let typed = Profile(
            name: form.text("name"), company: Self.optional(form.text("company")),
            address: Self.optional(form.text("address")),
            city: Self.optional(form.text("city")), postalCode: Self.optional(form.text("postal_code")),
            country: Self.optional(form.text("country").uppercased()),
            vatID: Self.optional(form.text("vat_id").replacingOccurrences(of: " ", with: "").uppercased()))
        guard problems.isEmpty else {
            var values = Self.values(typed)
            values["errors"] = problems
            return pages.render("profile", values, context: context, status: .unprocessableContent)
        }
        // Billing first: it makes the invoices out to these details, and if it cannot take
        // them the person sees so and nothing is half saved.
        session = try await CustomerLink(services: services, people: people).session(context)
        try await services.saveBillTo(typed, session)
        try await people.updateProfile(typed, of: session.personID)
        session.name = typed.name
        _ = context.sessions.updateSession(session)
        return Response.redirect(to: "/account/profile?saved=1", type: .normal)
    }

    @Sendable func data(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard let session = context.person, let profile = try await people.profile(of: session.personID) else {
            throw PortalError.notFound
        }
        var values: [String: Any] = ["title": "Your data"]
        if let asked = profile.erasureRequestedAt { values["erasure_requested"] = AccountController.dateTime(asked) }
        return pages.render("data", values, context: context)
    }

    /// Everything held about the person: the portal's own records and each service's answer
    /// about their customer, as one JSON file.
    @Sendable func export(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard let session = context.person, let person = try await people.person(id: session.personID),
            let profile = try await people.profile(of: session.personID)
        else { throw PortalError.notFound }
        let linked = try await CustomerLink(services: services, people: people).session(context)
        let iso = ISO8601DateFormatter()
        var account: [String: Any] = [
            "email": person.email, "name": profile.name,
            "email_verified_at": person.verifiedAt.map(iso.string) ?? NSNull(),
            "two_factor": person.hasTwoFactor,
        ]
        for (key, value) in [
            ("company", profile.company), ("address", profile.address), ("city", profile.city),
            ("postal_code", profile.postalCode), ("country", profile.country), ("vat_id", profile.vatID),
        ] {
            account[key] = value ?? NSNull()
        }
        let signedIn: [[String: Any]] = try await sessions.sessions(of: session.personID).map { row in
            [
                "signed_in_at": iso.string(from: row.session.signedInAt), "address": row.session.address,
                "browser": row.session.userAgent,
            ]
        }
        var document: [String: Any] = [
            "exported_at": iso.string(from: Date()), "account": account, "sessions": signedIn,
        ]
        document.merge(try await services.everythingHeld(linked)) { $1 }
        let body = try JSONSerialization.data(
            withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/json; charset=utf-8",
                .contentDisposition: "attachment; filename=\"my-data.json\"",
                .cacheControl: "no-store",
            ], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    @Sendable func requestErasure(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard let session = context.person else { throw PortalError.notFound }
        _ = try await people.requestErasure(of: session.personID)
        return Response.redirect(to: "/account/data", type: .normal)
    }

    private static func values(_ profile: Profile) -> [String: Any] {
        [
            "title": "Profile", "name": profile.name, "company": profile.company ?? "",
            "address": profile.address ?? "",
            "city": profile.city ?? "", "postal_code": profile.postalCode ?? "", "country": profile.country ?? "",
            "vat_id": profile.vatID ?? "",
        ]
    }

    private static func optional(_ text: String) -> String? { text.isEmpty ? nil : text }
}
