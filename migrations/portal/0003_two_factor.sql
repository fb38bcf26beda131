-- Two-factor login (TOTP, RFC 6238) with single-use recovery codes. The secret is sealed at
-- rest with the portal's credential key ring; the last time step accepted is kept, so a code
-- works once.
ALTER TABLE people ADD COLUMN totp_secret_sealed text, ADD COLUMN totp_enabled_at timestamptz, ADD COLUMN totp_last_step bigint;

CREATE TABLE recovery_codes (
    person_id uuid NOT NULL REFERENCES people ON DELETE CASCADE,
    -- SHA-256 (hex) of the code as shown, upper case without its dash.
    code_hash text NOT NULL,
    used_at timestamptz,
    PRIMARY KEY (person_id, code_hash)
);
