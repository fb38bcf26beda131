import Foundation

/// Where an order stands on its way from payment to welcome email, step by step.
struct OrderProgress: Sendable {
    /// The steps in the order they happen.
    enum Step: String, CaseIterable, Sendable {
        case paid, account, zone, certificate, welcome

        var label: String {
            switch self {
            case .paid: "Payment received"
            case .account: "Hosting account created"
            case .zone: "DNS zone set up"
            case .certificate: "TLS certificate issued"
            case .welcome: "Welcome email sent"
            }
        }
    }

    typealias State = ProgressReport.State

    /// When each step finished, and the steps that failed.
    var finished: [Step: Date] = [:]
    var failed: Set<Step> = []

    /// Each step's state: done, failed, the first not done is under way (once paid), the rest wait.
    var states: [(step: Step, state: State, at: Date?)] {
        var working = finished[.paid] != nil
        return Step.allCases.map { step in
            if let at = finished[step] { return (step, .done, at) }
            if failed.contains(step) { return (step, .failed, nil) }
            defer { working = false }
            return (step, working ? .working : .waiting, nil)
        }
    }

    /// Whether nothing more will change by itself.
    var isSettled: Bool {
        finished.count == Step.allCases.count || failed.contains(.account)
    }
}
