import HTTPTypes
import PortalTokens

/// Which permission each admin request needs: reads need `read`; a change needs what its
/// rule names, or `configure` (owners and admins) when no rule names it, so a new endpoint
/// is closed to the narrower roles until someone decides otherwise.
public struct AdminPolicy: Sendable {
    private struct Rule: Sendable {
        let method: HTTPRequest.Method
        let segments: [Substring]
        let permission: StaffPermission
    }
    private let rules: [Rule]

    /// Every service's task and dead-letter endpoints: retrying is operating, not configuring.
    static let common: KeyValuePairs<String, StaffPermission> = [
        "POST /api/*/retry/*": .operateTasks, "DELETE /api/*/failed": .operateTasks,
        "POST /api/*/dead-letters/*/replay": .operateTasks,
    ]

    /// `rules` maps `"METHOD /path/with/*/wildcards"` to the permission it needs.
    public init(_ rules: KeyValuePairs<String, StaffPermission> = [:]) {
        self.rules = (Array(rules) + Array(Self.common)).compactMap { key, permission in
            let parts = key.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let method = HTTPRequest.Method(String(parts[0])) else { return nil }
            return Rule(method: method, segments: parts[1].split(separator: "/"), permission: permission)
        }
    }

    /// The permission a request for `path` with `method` needs.
    public func permission(_ method: HTTPRequest.Method, _ path: String) -> StaffPermission {
        if method == .get || method == .head { return .read }
        let segments = path.split(separator: "/")
        let rule = rules.first { rule in
            rule.method == method && rule.segments.count == segments.count
                && zip(rule.segments, segments).allSatisfy { $0 == "*" || $0 == $1 }
        }
        return rule?.permission ?? .configure
    }
}
