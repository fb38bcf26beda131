-- Mail: outbound messages, their delivery attempts, and who an account's mail goes to.
CREATE TABLE messages (
    id uuid PRIMARY KEY,
    -- Source event id + template + recipient: one message per key, however often the event comes.
    message_key text NOT NULL UNIQUE,
    -- The Message-ID header, stable across retries and resends.
    message_id text NOT NULL UNIQUE,
    event_id uuid,
    event_type text NOT NULL,
    template text NOT NULL,
    recipient text NOT NULL,
    recipient_name text,
    -- Template variables; a password stays sealed here and is opened only to send.
    variables jsonb NOT NULL,
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX messages_by_recipient ON messages (recipient, created_at DESC);
CREATE INDEX messages_by_status ON messages (status, created_at DESC);

CREATE TABLE delivery_attempts (
    id bigserial PRIMARY KEY,
    message uuid NOT NULL REFERENCES messages ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    outcome text NOT NULL CHECK (outcome IN ('sent', 'transient', 'permanent')),
    detail text
);
CREATE INDEX delivery_attempts_by_message ON delivery_attempts (message, attempted_at);

-- Who hears about an account: learnt from account.provisioned.
CREATE TABLE recipients (
    account_id uuid PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL,
    domain text NOT NULL
);
