import ExternalHTTP
import Foundation
import Hummingbird

/// The bus as the broker counts it: per queue, commands forwarded, waiting and dropped; per
/// publisher, events forwarded; what the bus policy refused. Read-only, for every role.
struct BusConsoleController: Sendable {
    let pages: PageRenderer
    /// The broker's HTTP side (`HOSTWIRE_BROKER_URL`).
    let broker: ExternalHTTPClient

    func addRoutes(to router: RouterGroup<ConsoleRequestContext>) {
        router.get("bus") { _, context in
            let figures = try? await BrokerFigures.read(broker)
            let number = { (value: Double) in String(format: "%.0f", value) }
            return pages.render(
                "console-bus",
                [
                    "title": "Bus", "reachable": figures != nil,
                    "queues": (figures?.queues ?? []).map { queue in
                        [
                            "name": queue.name, "forwarded": number(queue.forwarded), "backlog": number(queue.backlog),
                            "dropped": number(queue.dropped), "waiting": queue.backlog > 0, "lost": queue.dropped > 0,
                        ]
                    },
                    "publishers": (figures?.publishers ?? []).map {
                        ["name": $0.name, "forwarded": number($0.forwarded)]
                    },
                    "refusals": (figures?.refusals ?? []).map {
                        ["reason": $0.reason, "identity": $0.identity, "count": number($0.count)]
                    },
                    "has_refusals": !(figures?.refusals.isEmpty ?? true),
                    "malformed": (figures?.malformed ?? []).map { ["side": $0.side, "count": number($0.count)] },
                ], context: context)
        }
    }
}
