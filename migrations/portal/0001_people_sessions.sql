-- Portal: the people who log in, their sessions, their single-use email links, and the
-- counters that rate-limit what strangers may try.
CREATE TABLE people (
    id uuid PRIMARY KEY,
    -- Lower-cased on the way in: one person per address however it is typed.
    email text NOT NULL UNIQUE CHECK (email = lower(email)),
    name text NOT NULL,
    -- bcrypt, cost 12 or more.
    password_hash text NOT NULL,
    -- Checkout's customer, once the address is verified and linked.
    customer_id uuid UNIQUE,
    verified_at timestamptz,
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Sessions (hummingbird-auth's session storage): keyed by the SHA-256 (hex) of the cookie's value,
-- so a copy of this table opens no session; by person for "log out everywhere".
CREATE TABLE sessions (
    key_hash text PRIMARY KEY,
    person_id uuid REFERENCES people ON DELETE CASCADE,
    value jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz
);
CREATE INDEX sessions_by_person ON sessions (person_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Email links (verification, password reset): the token's SHA-256 only, used once.
CREATE TABLE email_links (
    token_hash text PRIMARY KEY,
    person_id uuid NOT NULL REFERENCES people ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('verify', 'reset')),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per attempt of a limited action, by what is limited (an address, an email):
-- shared by every portal instance, so the limits hold however many run.
CREATE TABLE attempts (
    action text NOT NULL,
    subject text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attempts_by_subject ON attempts (action, subject, at);
