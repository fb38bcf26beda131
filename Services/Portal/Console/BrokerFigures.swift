import ExternalHTTP
import Foundation
import NIOHTTP1

/// The broker's counters (its Prometheus `/metrics`), read for the console's bus page.
struct BrokerFigures: Sendable {
    /// One queue: commands forwarded to it, waiting in the broker now, and dropped when full.
    struct Queue: Sendable { var name: String, forwarded = 0.0, backlog = 0.0, dropped = 0.0 }

    var queues: [Queue] = []
    /// Events forwarded, by publisher.
    var publishers: [(name: String, forwarded: Double)] = []
    /// Connections and messages the bus policy refused, by reason and identity.
    var refusals: [(reason: String, identity: String, count: Double)] = []
    /// Messages dropped as malformed, by side (publishers' or senders').
    var malformed: [(side: String, count: Double)] = []

    /// Reads the broker at `client`'s base URL.
    static func read(_ client: ExternalHTTPClient) async throws -> BrokerFigures {
        let response = try await client.send(.GET, "/metrics")
        guard response.status == 200 else {
            throw ExternalCallError.unreachable(method: "GET", path: "/metrics", reason: "status \(response.status)")
        }
        return BrokerFigures(samples: PrometheusText.samples(response.body))
    }

    init(samples: [PrometheusText.Sample]) {
        var queues: [String: Queue] = [:]
        for sample in samples {
            switch sample.name {
            case "hostwire_broker_commands_forwarded_total":
                if let name = sample.labels["queue"] {
                    queues[name, default: Queue(name: name)].forwarded = sample.value
                }
            case "hostwire_broker_backlog":
                if let name = sample.labels["queue"] { queues[name, default: Queue(name: name)].backlog = sample.value }
            case "hostwire_broker_backlog_dropped_total":
                if let name = sample.labels["queue"] { queues[name, default: Queue(name: name)].dropped = sample.value }
            case "hostwire_broker_events_forwarded_total":
                publishers.append((sample.labels["publisher"] ?? "?", sample.value))
            case "hostwire_broker_refused_total":
                refusals.append((sample.labels["reason"] ?? "?", sample.labels["identity"] ?? "?", sample.value))
            case "hostwire_broker_malformed_total":
                malformed.append((sample.labels["side"] ?? "?", sample.value))
            default: break
            }
        }
        self.queues = queues.values.sorted { $0.name < $1.name }
        publishers.sort { $0.name < $1.name }
        refusals.sort { ($0.reason, $0.identity) < ($1.reason, $1.identity) }
    }
}

/// Prometheus' text exposition format, as far as the broker writes it.
enum PrometheusText {
    struct Sample: Sendable {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    /// Every sample line of `text`; comments and lines that do not parse are skipped.
    static func samples(_ text: String) -> [Sample] {
        text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "),
                let value = Double(line[line.index(after: space)...])
            else {
                return nil
            }
            let series = line[..<space]
            guard let open = series.firstIndex(of: "{") else {
                return Sample(name: String(series), labels: [:], value: value)
            }
            guard series.hasSuffix("}") else { return nil }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: open)..<series.index(before: series.endIndex)].split(separator: ",")
            {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { return nil }
                labels[String(parts[0])] = String(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
            }
            return Sample(name: String(series[..<open]), labels: labels, value: value)
        }
    }
}
