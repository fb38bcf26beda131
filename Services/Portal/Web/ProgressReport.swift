import Foundation
import Hummingbird

/// Something a person waits for, step by step: what a page shows in its `data-progress`
/// list and what its `…/progress` address answers for `portal.js` to update the list in place
/// (an order on its way to the welcome email, a restore).
struct ProgressReport: Sendable {
    enum State: String, Sendable {
        case done, working, waiting, failed

        var text: String {
            switch self {
            case .done: "Done"
            case .working: "In progress"
            case .waiting: "Waiting"
            case .failed: "Needs our attention"
            }
        }
    }

    struct Step: Sendable {
        let id: String
        let label: String
        let state: State
        let at: Date?
    }

    let steps: [Step]
    let message: String
    /// Nothing more will change by itself: the page stops asking.
    let settled: Bool

    /// The steps, message and whether it is settled, as the templates and the JSON name them.
    var values: [String: Any] {
        [
            "steps": steps.map { step -> [String: Any] in
                [
                    "id": step.id, "label": step.label, "state": step.state.rawValue, "state_text": step.state.text,
                    "at": step.at.map {
                        $0.formatted(.iso8601.time(includingFractionalSeconds: false).timeSeparator(.colon)) + " UTC"
                    } ?? "",
                ]
            },
            "message": message, "settled": settled,
        ]
    }

    /// The answer of a `…/progress` address.
    func response() throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: values))))
    }
}
