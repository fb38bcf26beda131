-- Checkout: the catalog, customers, orders and the payment provider's webhook receipts.
CREATE TABLE products (
    id uuid PRIMARY KEY,
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name text NOT NULL,
    type text NOT NULL CHECK (type IN ('hosting', 'vps', 'domain')),
    panel_plan text,
    server_group text,
    limits jsonb NOT NULL DEFAULT '{}',
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE prices (
    product_id uuid NOT NULL REFERENCES products ON DELETE CASCADE,
    billing_cycle text NOT NULL CHECK (billing_cycle IN ('monthly', 'quarterly', 'semi-annual', 'annual')),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount bigint NOT NULL CHECK (amount > 0),
    PRIMARY KEY (product_id, billing_cycle, currency)
);

CREATE TABLE customers (
    id uuid PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text NOT NULL,
    company text,
    country char(2),
    payment_customer text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id uuid PRIMARY KEY,
    customer_id uuid NOT NULL REFERENCES customers,
    product_id uuid NOT NULL REFERENCES products,
    billing_cycle text NOT NULL,
    currency char(3) NOT NULL,
    amount bigint NOT NULL CHECK (amount > 0),
    domain text,
    status text NOT NULL DEFAULT 'pending_payment' CHECK (status IN ('pending_payment', 'paid', 'cancelled')),
    payment_intent text UNIQUE,
    payment_client_secret text,
    paid_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- One live order per domain: a second order for a domain already ordered is refused.
CREATE UNIQUE INDEX orders_one_live_order_per_domain ON orders (domain) WHERE status <> 'cancelled' AND domain IS NOT NULL;
CREATE INDEX orders_by_status ON orders (status, created_at);

CREATE TABLE webhook_receipts (
    event_id text PRIMARY KEY,
    type text NOT NULL,
    outcome text NOT NULL,
    order_id uuid,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- The sandbox catalog: operators edit it through the admin API.
INSERT INTO products (id, slug, name, type, panel_plan, server_group, limits) VALUES
    ('00000000-0000-4000-8000-000000000001', 'starter', 'Starter Hosting', 'hosting', 'starter', 'default',
     '{"disk_mb": 10240, "mailboxes": 10, "databases": 5}'),
    ('00000000-0000-4000-8000-000000000002', 'pro', 'Pro Hosting', 'hosting', 'pro', 'default',
     '{"disk_mb": 51200, "mailboxes": 100, "databases": 50}'),
    ('00000000-0000-4000-8000-000000000003', 'business', 'Business Hosting', 'hosting', 'business', 'default',
     '{"disk_mb": 204800, "mailboxes": 0, "databases": 0}');
INSERT INTO prices (product_id, billing_cycle, currency, amount)
SELECT p.id, c.cycle, cur.code, p.base * c.months * (100 - c.discount) / 100 * cur.factor / 100
FROM (VALUES ('00000000-0000-4000-8000-000000000001'::uuid, 499), ('00000000-0000-4000-8000-000000000002'::uuid, 999),
             ('00000000-0000-4000-8000-000000000003'::uuid, 1999)) AS p(id, base)
CROSS JOIN (VALUES ('monthly', 1, 0), ('quarterly', 3, 5), ('semi-annual', 6, 8), ('annual', 12, 15)) AS c(cycle, months, discount)
CROSS JOIN (VALUES ('USD', 100), ('EUR', 92)) AS cur(code, factor);
