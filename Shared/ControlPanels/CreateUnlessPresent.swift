/// Runs `create`; when the panel refuses, asks `isPresent` whether the thing is there
/// already — made by an earlier attempt whose answer was lost — and then counts it done.
///
/// Creating first and looking only after a refusal costs one call on the usual path
/// instead of two, and is as safe to repeat as looking first, because every panel refuses
/// to create a thing twice. A refusal for anything else (the thing is absent) is rethrown.
public func createUnlessPresent(_ create: () async throws -> Void, isPresent: () async throws -> Bool) async throws {
    do {
        try await create()
    } catch PanelError.rejected(let reason) {
        guard try await isPresent() else { throw PanelError.rejected(reason) }
    }
}
