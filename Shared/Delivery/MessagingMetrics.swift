import Metrics

/// The delivery layer's counters, exported on `/metrics` through swift-metrics.
struct MessagingMetrics: Sendable {
    let commandsHandled = Counter(label: "hostwire_commands_handled_total")
    let duplicatesSkipped = Counter(label: "hostwire_duplicates_skipped_total")
    let eventsHandled = Counter(label: "hostwire_events_handled_total")
    let replaysRequested = Counter(label: "hostwire_replays_requested_total")
    let deadLettered = Counter(label: "hostwire_dead_letters_total")
    let commandsSent = Counter(label: "hostwire_outbox_commands_sent_total")
    let eventsPublished = Counter(label: "hostwire_outbox_events_published_total")
    let tasksDone = Counter(label: "hostwire_tasks_done_total")
    let tasksRetried = Counter(label: "hostwire_tasks_retried_total")
    let tasksFailed = Counter(label: "hostwire_tasks_failed_total")
}
