-- timer.fired as received (PROBE_FOLLOWS_TIMER=1); no unique key, so a duplicate shows.
CREATE TABLE slots (
    id bigserial PRIMARY KEY,
    event_id uuid NOT NULL,
    sequence bigint NOT NULL,
    schedule text NOT NULL,
    slot timestamptz NOT NULL
);
