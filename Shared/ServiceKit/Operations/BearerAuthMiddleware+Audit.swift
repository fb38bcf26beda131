import Contracts
import HTTPSupport
import Logging

extension BearerAuthMiddleware {
    /// Admin routes whose staff changes are recorded by sending ``RecordStaffAction`` from
    /// `audit`, the service's own store; `nil` records nothing.
    public init(tokens: APITokens, policy: AdminPolicy = AdminPolicy(), audit: ServiceStore?) {
        self.init(tokens: tokens, policy: policy, recordingStaffActions: audit.map(Self.record(in:)))
    }

    /// If the write fails the change stands, and the failure is logged.
    private static func record(in store: ServiceStore) -> @Sendable (RecordStaffAction) async -> Void {
        { action in
            do {
                try await store.transaction { try await $0.send(action) }
            } catch {
                store.logger.error(
                    "the audit record of a staff change was not written",
                    metadata: ["actor": "\(action.actor)", "path": "\(action.path)", "error": "\(error)"])
            }
        }
    }
}
