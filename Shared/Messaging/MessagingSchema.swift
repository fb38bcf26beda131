import Persistence

/// The tables the delivery layer keeps in every service's own schema.
///
/// They are applied by the service's ``Persistence/MigrationRunner`` as component
/// `messaging`, before the service's own `migrations/<service>/` scripts.
public enum MessagingSchema {
    public static let migrations: [Migration] = [
        Migration(component: "messaging", version: 1, name: "outbox_inbox_tasks", sql: """
            -- Messages written in the same transaction as the change that caused them.
            CREATE TABLE outbox (
                id uuid PRIMARY KEY,
                position bigserial NOT NULL UNIQUE,
                kind text NOT NULL CHECK (kind IN ('command', 'event')),
                destination text NOT NULL,
                type text NOT NULL,
                version integer NOT NULL,
                correlation_id uuid,
                causation_id uuid,
                occurred_at timestamptz NOT NULL,
                payload text NOT NULL,
                sequence bigint UNIQUE,
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at timestamptz NOT NULL DEFAULT now(),
                created_at timestamptz NOT NULL DEFAULT now(),
                sent_at timestamptz,
                acked_at timestamptz,
                dead_at timestamptz
            );
            CREATE INDEX outbox_commands_due ON outbox (next_attempt_at)
                WHERE kind = 'command' AND acked_at IS NULL AND dead_at IS NULL;
            CREATE INDEX outbox_events_unsequenced ON outbox (position)
                WHERE kind = 'event' AND sequence IS NULL;

            -- The last sequence number given to an event; one row, locked by the relay.
            CREATE TABLE publisher_state (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                last_sequence bigint NOT NULL DEFAULT 0
            );
            INSERT INTO publisher_state DEFAULT VALUES;

            -- Every command handled, recorded in the handler's transaction.
            CREATE TABLE inbox (
                message_id uuid PRIMARY KEY,
                type text NOT NULL,
                source text NOT NULL,
                handled_at timestamptz NOT NULL DEFAULT now()
            );

            -- Per publisher: the last event sequence this service has handled.
            CREATE TABLE event_cursors (
                publisher text PRIMARY KEY,
                last_sequence bigint NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now()
            );

            -- Messages that could not be decoded or handled, kept for an operator.
            CREATE TABLE dead_letters (
                id bigserial PRIMARY KEY,
                received_at timestamptz NOT NULL DEFAULT now(),
                reason text NOT NULL,
                message_id uuid,
                type text,
                source text,
                frames text[] NOT NULL,
                replayed_at timestamptz
            );

            -- The service's own work, retried with backoff until done or failed.
            CREATE TABLE tasks (
                id uuid PRIMARY KEY,
                type text NOT NULL,
                payload text NOT NULL,
                dedupe_key text UNIQUE,
                status text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'running', 'done', 'failed')),
                attempts integer NOT NULL DEFAULT 0,
                max_attempts integer NOT NULL,
                next_attempt_at timestamptz NOT NULL DEFAULT now(),
                locked_until timestamptz,
                last_error text,
                correlation_id uuid,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                finished_at timestamptz
            );
            CREATE INDEX tasks_due ON tasks (next_attempt_at) WHERE status IN ('pending', 'running');
            CREATE INDEX tasks_status ON tasks (status, type);
            """),
    ]
}
