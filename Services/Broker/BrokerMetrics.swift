import Prometheus

/// The broker's counters, cached per label on the forwarding thread (the only caller).
final class BrokerMetrics {
    private let registry: PrometheusCollectorRegistry
    private var events: [String: Counter] = [:]
    private var commands: [String: Counter] = [:]
    private var drops: [String: Counter] = [:]
    private var backlogs: [String: Gauge] = [:]
    private var rejects: [String: Counter] = [:]

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    private var refusals: [String: Counter] = [:]

    /// Counted per publisher (a known service, or `other`), never per topic: topics are
    /// chosen by senders, and a series each would let them grow the metrics without bound.
    func event(publisher: String) {
        counter(&events, publisher, "hostwire_broker_events_forwarded_total", label: "publisher").increment()
    }

    /// A connection or message refused by the bus policy, by reason and identity (a service
    /// name from the allow-list, or `unknown`).
    func refused(_ refusal: BusPolicy.Refusal, identity: String) {
        let key = "\(refusal.rawValue)|\(identity)"
        if refusals[key] == nil {
            refusals[key] = registry.makeCounter(
                name: "hostwire_broker_refused_total",
                labels: [("reason", refusal.rawValue), ("identity", identity)])
        }
        refusals[key]!.increment()
    }

    func command(queue: String) {
        counter(&commands, queue, "hostwire_broker_commands_forwarded_total", label: "queue").increment()
    }

    func dropped(queue: String, count: Int) {
        counter(&drops, queue, "hostwire_broker_backlog_dropped_total", label: "queue").increment(by: Int64(count))
    }

    func rejected(side: String) {
        counter(&rejects, side, "hostwire_broker_malformed_total", label: "side").increment()
    }

    func backlog(queue: String, count: Int) {
        if backlogs[queue] == nil {
            backlogs[queue] = registry.makeGauge(name: "hostwire_broker_backlog", labels: [("queue", queue)])
        }
        backlogs[queue]!.set(Double(count))
    }

    private func counter(_ cache: inout [String: Counter], _ value: String, _ name: String, label: String) -> Counter {
        if let counter = cache[value] { return counter }
        let counter = registry.makeCounter(name: name, labels: [(label, value)])
        cache[value] = counter
        return counter
    }
}
