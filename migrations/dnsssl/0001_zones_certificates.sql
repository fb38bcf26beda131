-- DNS/SSL: each account's zone as we want it (the DNS server is made to match), the ACME
-- account, and certificates with their keys sealed at rest.
CREATE TABLE zones (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL UNIQUE,
    domain text NOT NULL UNIQUE,
    server_ip text NOT NULL,
    nameservers text[] NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'deleting', 'deleted')),
    synced_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The desired record sets; `managed` ones are Hostwire's defaults, the rest operators' edits.
CREATE TABLE records (
    zone_id uuid NOT NULL REFERENCES zones (id) ON DELETE CASCADE,
    name text NOT NULL,
    type text NOT NULL,
    ttl integer NOT NULL CHECK (ttl BETWEEN 30 AND 604800),
    contents text[] NOT NULL,
    managed boolean NOT NULL DEFAULT true,
    PRIMARY KEY (zone_id, name, type)
);

CREATE TABLE acme_account (
    directory_url text PRIMARY KEY,
    -- The ES256 account key, PKCS#8 PEM sealed with the credential key ring.
    sealed_key text NOT NULL,
    account_url text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE certificates (
    id uuid PRIMARY KEY,
    zone_id uuid NOT NULL REFERENCES zones (id),
    account_id uuid NOT NULL,
    domain text NOT NULL,
    names text[] NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'issued', 'failed', 'superseded', 'closed')),
    -- The certificate this one renews: each is renewed once.
    renews uuid UNIQUE REFERENCES certificates (id),
    -- For a renewal, the renewal run's time (the timer's clock): with issued_at, the start
    -- of the week in which it is not renewed again.
    requested_as_of timestamptz,
    order_url text,
    sealed_private_key text,
    certificate text,
    chain text,
    serial text,
    not_before timestamptz,
    not_after timestamptz,
    issued_at timestamptz,
    last_error text,
    expiring_notified boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX certificates_expiry ON certificates (not_after) WHERE status = 'issued';
CREATE INDEX certificates_zone ON certificates (zone_id, created_at);
