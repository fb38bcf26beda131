-- Staff: the hosting company's people, who sign in to /console. Kept apart from customers
-- (`people`): a customer's sign-up, reset link or session never reaches a staff account.
CREATE TABLE staff (
    id uuid PRIMARY KEY,
    email text NOT NULL UNIQUE CHECK (email = lower(email)),
    name text NOT NULL,
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'support', 'billing', 'viewer')),
    -- bcrypt; unset until the invitation is accepted.
    password_hash text,
    -- The invitation link's SHA-256 (hex), until it is used.
    invitation_hash text UNIQUE,
    invitation_expires_at timestamptz,
    invited_by text NOT NULL,
    -- Two-factor is required: nothing opens until it is on.
    totp_secret_sealed text,
    totp_enabled_at timestamptz,
    totp_last_step bigint,
    disabled_at timestamptz,
    last_login_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_recovery_codes (
    staff_id uuid NOT NULL REFERENCES staff ON DELETE CASCADE,
    code_hash text NOT NULL,
    used_at timestamptz,
    PRIMARY KEY (staff_id, code_hash)
);

-- Staff sessions share the session table, apart by kind: a customer's cookie never opens a
-- staff session, nor the other way round.
ALTER TABLE sessions ADD COLUMN kind text NOT NULL DEFAULT 'customer' CHECK (kind IN ('customer', 'staff')),
    ADD COLUMN staff_id uuid REFERENCES staff ON DELETE CASCADE;
CREATE INDEX sessions_by_staff ON sessions (staff_id);

-- What staff did, append-only: who, when, from where, what, before and after.
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    staff_id uuid,
    actor text NOT NULL,
    role text,
    address text,
    action text NOT NULL,
    target text,
    reason text,
    before jsonb,
    after jsonb
);
CREATE INDEX audit_log_by_time ON audit_log (at DESC);

-- The portal's role owns the table but keeps only INSERT and SELECT on it, and a trigger
-- refuses changes from anyone else who could: a row once written stays as written.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER;
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
