-- Staff's notes on a customer ("called about the renewal, promised a callback"), shown on
-- the customer's console page, newest first. Kept as written: a correction is a new note.
CREATE TABLE customer_notes (
    id bigserial PRIMARY KEY,
    person_id uuid NOT NULL REFERENCES people ON DELETE CASCADE,
    staff_id uuid REFERENCES staff ON DELETE SET NULL,
    author text NOT NULL,
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_notes_by_person ON customer_notes (person_id, id DESC);
