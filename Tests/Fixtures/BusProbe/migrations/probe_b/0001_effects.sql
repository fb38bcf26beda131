-- One row per effect; deliberately no unique key, so a duplicate would show as a second row.
CREATE TABLE effects (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    number integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
