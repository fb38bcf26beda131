-- Personal API keys of staff, for scripts and the CLI: exchanged at the portal for short-lived
-- staff tokens. Only the key's SHA-256 is kept (the key is 256 random bits: a fast hash is
-- enough); its prefix is shown to tell keys apart.
CREATE TABLE staff_api_keys (
    id uuid PRIMARY KEY,
    staff_id uuid NOT NULL REFERENCES staff ON DELETE CASCADE,
    name text NOT NULL,
    prefix text NOT NULL,
    key_hash text NOT NULL UNIQUE,
    -- What the key may do, within its owner's role.
    scopes text[] NOT NULL,
    -- Where it may be used from; empty: anywhere.
    allowed_networks cidr[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX staff_api_keys_by_staff ON staff_api_keys (staff_id);
