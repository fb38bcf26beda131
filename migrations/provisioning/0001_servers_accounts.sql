-- Provisioning: control-panel servers and the hosting accounts placed on them.
CREATE TABLE servers (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE,
    panel text NOT NULL CHECK (panel IN ('cpanel', 'plesk', 'directadmin')),
    hostname text NOT NULL,
    ip text NOT NULL,
    api_url text NOT NULL,
    api_username text NOT NULL,
    -- Sealed with the credential key ring (AES-256-GCM); the key id is the text before ':'.
    api_secret_sealed text NOT NULL,
    server_group text NOT NULL DEFAULT 'default',
    max_accounts integer NOT NULL CHECK (max_accounts > 0),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'draining', 'disabled')),
    nameservers text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
    id uuid PRIMARY KEY,
    order_id uuid UNIQUE,
    customer_id uuid,
    customer_name text NOT NULL,
    contact_email text NOT NULL,
    domain text NOT NULL,
    plan text NOT NULL,
    server_group text NOT NULL,
    server_id uuid REFERENCES servers,
    username text,
    password_sealed text,
    status text NOT NULL DEFAULT 'provisioning'
        CHECK (status IN ('provisioning', 'active', 'suspended', 'terminated', 'failed')),
    suspend_reason text,
    -- The next provisioning step: server, create, mailbox, database, done.
    step text NOT NULL DEFAULT 'server',
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    provisioned_at timestamptz
);
-- cPanel's rule: the first 8 characters of a username are unique on a server.
CREATE UNIQUE INDEX accounts_username_prefix_per_server ON accounts (server_id, left(username, 8))
    WHERE username IS NOT NULL AND status <> 'terminated';
CREATE UNIQUE INDEX accounts_live_domain ON accounts (domain) WHERE status NOT IN ('terminated', 'failed');
CREATE INDEX accounts_by_server ON accounts (server_id) WHERE status <> 'terminated';
