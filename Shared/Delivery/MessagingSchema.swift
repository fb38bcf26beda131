import Persistence

/// The tables the delivery layer keeps in every service's own schema.
///
/// They are applied by the service's ``Persistence/MigrationRunner`` as component
/// `messaging`, before the service's own `migrations/<service>/` scripts.
public enum MessagingSchema {
    public static let migrations: [Migration] = [
        Migration(
            component: "messaging", version: 1, name: "outbox_inbox_tasks",
            sql: """
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
        Migration(
            component: "messaging", version: 2, name: "number_events",
            sql: """
                -- Numbers up to `batch` unsequenced events in commit order and returns them: the
                -- relay's round in one call instead of a transaction of four statements. Its
                -- statements run in order, each with a fresh snapshot, so the events are read
                -- after the publisher_state lock is held: a second relay waits for it and then
                -- sees the first one's numbering, never numbering an event twice or leaving a gap.
                CREATE FUNCTION number_events(batch integer) RETURNS SETOF outbox
                    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
                DECLARE
                    last bigint;
                    numbered integer;
                BEGIN
                    SELECT last_sequence INTO last FROM publisher_state FOR UPDATE;
                    RETURN QUERY
                        WITH picked AS (
                            SELECT id, position FROM outbox WHERE kind = 'event' AND sequence IS NULL
                            ORDER BY position LIMIT batch),
                        numbered AS (SELECT id, row_number() OVER (ORDER BY position) AS n FROM picked)
                        UPDATE outbox o SET sequence = last + numbered.n, sent_at = now()
                        FROM numbered WHERE o.id = numbered.id
                        RETURNING o.*;
                    GET DIAGNOSTICS numbered = ROW_COUNT;
                    IF numbered > 0 THEN
                        UPDATE publisher_state SET last_sequence = last + numbered;
                    END IF;
                END $$;
                """),
        Migration(
            component: "messaging", version: 3, name: "number_events_unlocked_when_idle",
            sql: """
                -- A round with no event waiting takes no lock: it writes nothing, so its commit
                -- needs no WAL flush (an idle relay looks five times a second). An event committed
                -- just after the look is not lost: its writer wakes the relay.
                ALTER FUNCTION number_events(integer) RENAME TO number_events_locked;
                CREATE FUNCTION number_events(batch integer) RETURNS SETOF outbox
                    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM outbox WHERE kind = 'event' AND sequence IS NULL) THEN
                        RETURN QUERY SELECT * FROM number_events_locked(batch);
                    END IF;
                END $$;
                """),
    ]
}
