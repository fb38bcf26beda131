import Metrics

/// The delivery layer's counters, exported on `/metrics` through swift-metrics.
package struct MessagingMetrics: Sendable {
    package init() {}
    package let commandsHandled = Counter(label: "hostwire_commands_handled_total")
    package let duplicatesSkipped = Counter(label: "hostwire_duplicates_skipped_total")
    package let eventsHandled = Counter(label: "hostwire_events_handled_total")
    package let replaysRequested = Counter(label: "hostwire_replays_requested_total")
    package let deadLettered = Counter(label: "hostwire_dead_letters_total")
    package let commandsSent = Counter(label: "hostwire_outbox_commands_sent_total")
    package let eventsPublished = Counter(label: "hostwire_outbox_events_published_total")
    package let tasksDone = Counter(label: "hostwire_tasks_done_total")
    package let tasksRetried = Counter(label: "hostwire_tasks_retried_total")
    package let tasksFailed = Counter(label: "hostwire_tasks_failed_total")
}
