-- Billing: customers' saved payment methods (provider tokens only), subscriptions,
-- invoices without gaps in their numbers, payments, and dunning.
CREATE TABLE customers (
    -- Checkout's customer id.
    id uuid PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL,
    -- ISO 3166-1 alpha-2; picks the tax rate.
    country text CHECK (country ~ '^[A-Z]{2}$'),
    payment_customer text,
    payment_method text,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tax_rates (
    country text PRIMARY KEY CHECK (country ~ '^[A-Z]{2}$'),
    name text NOT NULL DEFAULT 'VAT',
    basis_points integer NOT NULL CHECK (basis_points BETWEEN 0 AND 10000)
);

-- Which hosting account an order became (from account.provisioned), whichever event comes first.
CREATE TABLE accounts (
    order_id uuid PRIMARY KEY,
    account_id uuid NOT NULL UNIQUE
);

CREATE TABLE subscriptions (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL UNIQUE,
    customer_id uuid NOT NULL REFERENCES customers (id),
    product_id uuid NOT NULL,
    product_name text NOT NULL,
    domain text,
    cycle text NOT NULL CHECK (cycle IN ('monthly', 'quarterly', 'semi-annual', 'annual')),
    cycle_months integer NOT NULL CHECK (cycle_months IN (1, 3, 6, 12)),
    amount integer NOT NULL CHECK (amount >= 0),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    started_on date NOT NULL,
    -- Periods invoiced so far; period n starts at started_on + n cycles (no month-end drift).
    periods integer NOT NULL DEFAULT 1,
    -- The start of the first period not yet invoiced.
    next_due date NOT NULL,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'terminated', 'cancelled')),
    suspended_for text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_next_due ON subscriptions (next_due) WHERE status IN ('active', 'suspended');

-- The last invoice number given; taken under a row lock in the invoicing transaction, so
-- numbers have no gaps and runs are serialised.
CREATE TABLE invoice_counter (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    last bigint NOT NULL DEFAULT 0
);
INSERT INTO invoice_counter DEFAULT VALUES;

-- How invoice numbers and period lines read, in one place for every statement that writes them.
CREATE FUNCTION invoice_number(sequence bigint) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT 'INV-' || lpad(sequence::text, 6, '0') $$;
CREATE FUNCTION period_line(product text, domain text, period_start date, period_end date) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT product || coalesce(' — ' || domain, '') || ' (' || period_start || ' to ' || (period_end - 1) || ')' $$;

CREATE TABLE invoices (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number text NOT NULL UNIQUE,
    subscription_id uuid NOT NULL REFERENCES subscriptions (id),
    customer_id uuid NOT NULL REFERENCES customers (id),
    period_start date NOT NULL,
    period_end date NOT NULL,
    issued_on date NOT NULL,
    due_on date NOT NULL,
    subtotal integer NOT NULL,
    tax integer NOT NULL DEFAULT 0,
    total integer NOT NULL,
    currency text NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'cancelled', 'refunded')),
    amount_paid integer NOT NULL DEFAULT 0,
    paid_at timestamptz,
    -- Automatic charging: attempts made, the day of the next one (NULL: none planned), and
    -- whether one is under way (dunning leaves such an invoice alone until it settles).
    charge_attempts integer NOT NULL DEFAULT 0,
    next_charge_on date,
    charge_pending boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- One invoice per subscription and period, however often billing runs.
    UNIQUE (subscription_id, period_start)
);
CREATE INDEX invoices_open_due ON invoices (due_on) WHERE status = 'open';
CREATE INDEX invoices_next_charge ON invoices (next_charge_on) WHERE status = 'open' AND next_charge_on IS NOT NULL;
CREATE INDEX invoices_customer ON invoices (customer_id, created_at);

CREATE TABLE invoice_lines (
    invoice_id uuid NOT NULL REFERENCES invoices (id),
    position integer NOT NULL,
    description text NOT NULL,
    amount integer NOT NULL,
    PRIMARY KEY (invoice_id, position)
);

CREATE TABLE payments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    invoice_id uuid NOT NULL REFERENCES invoices (id),
    method text NOT NULL CHECK (method IN ('order', 'card', 'webhook', 'manual')),
    -- The provider's payment id (or the operator's reference): a payment is credited once,
    -- whether the charge's answer or its webhook arrives first.
    reference text NOT NULL UNIQUE,
    amount integer NOT NULL CHECK (amount > 0),
    currency text NOT NULL,
    refunded integer NOT NULL DEFAULT 0,
    note text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_invoice ON payments (invoice_id);

CREATE TABLE refunds (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    payment_id uuid NOT NULL REFERENCES payments (id),
    reference text NOT NULL UNIQUE,
    amount integer NOT NULL CHECK (amount > 0),
    reason text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE charge_attempts (
    invoice_id uuid NOT NULL REFERENCES invoices (id),
    attempt integer NOT NULL,
    idempotency_key text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('succeeded', 'declined', 'settled')),
    detail text,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (invoice_id, attempt)
);

-- Each dunning step once per invoice.
CREATE TABLE dunning_actions (
    invoice_id uuid NOT NULL REFERENCES invoices (id),
    action text NOT NULL CHECK (action IN ('due-soon', 'overdue', 'suspend', 'terminate')),
    taken_on date NOT NULL,
    PRIMARY KEY (invoice_id, action)
);

-- What each billing run did, for operators.
CREATE TABLE runs (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('invoicing', 'dunning')),
    run_date date NOT NULL,
    trigger text NOT NULL,
    invoices_created integer NOT NULL DEFAULT 0,
    charges_queued integer NOT NULL DEFAULT 0,
    reminders integer NOT NULL DEFAULT 0,
    suspensions integer NOT NULL DEFAULT 0,
    terminations integer NOT NULL DEFAULT 0,
    finished_at timestamptz NOT NULL DEFAULT now()
);
