-- Health checks in a row that failed; a server with HOSTWIRE_SERVER_UNHEALTHY_AFTER of them
-- gets no new account until one passes, and accounts waiting on it are placed elsewhere.
ALTER TABLE servers ADD COLUMN health_failures integer NOT NULL DEFAULT 0 CHECK (health_failures >= 0);

-- Panel accounts a provisioning may have left on a server it moved away from while the server
-- was down (a create that timed out may have happened there): removed once the server answers.
CREATE TABLE stray_accounts (
    server_id uuid NOT NULL REFERENCES servers ON DELETE CASCADE,
    username text NOT NULL,
    domain text NOT NULL,
    account_id uuid NOT NULL REFERENCES accounts,
    left_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (server_id, username)
);
