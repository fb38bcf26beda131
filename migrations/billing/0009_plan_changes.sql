-- Upgrades and downgrades. An upgrade is invoiced for the rest of the current period (an
-- invoice of its own kind, so it does not take the period's place) and takes effect once
-- that invoice is paid; a downgrade credits the rest of the period and takes effect at once.
ALTER TABLE invoices ADD COLUMN kind text NOT NULL DEFAULT 'period' CHECK (kind IN ('period', 'plan-change'));
ALTER TABLE invoices DROP CONSTRAINT invoices_subscription_id_period_start_key;
-- Still one invoice per subscription and period, however often billing runs.
CREATE UNIQUE INDEX invoices_one_per_period ON invoices (subscription_id, period_start) WHERE kind = 'period';

CREATE TABLE plan_changes (
    id uuid PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES subscriptions (id),
    direction text NOT NULL CHECK (direction IN ('upgrade', 'downgrade')),
    from_product_id uuid NOT NULL,
    to_product_id uuid NOT NULL,
    to_product_name text NOT NULL,
    -- The package the panel gives the account.
    to_plan text NOT NULL,
    old_amount integer NOT NULL CHECK (old_amount >= 0),
    new_amount integer NOT NULL CHECK (new_amount >= 0),
    -- The difference for the days left of the period, before tax (minor units, rounded half-up).
    prorated integer NOT NULL CHECK (prorated >= 0),
    days_left integer NOT NULL,
    days_in_period integer NOT NULL,
    invoice_id uuid UNIQUE REFERENCES invoices (id),
    status text NOT NULL CHECK (status IN ('awaiting-payment', 'applied', 'lapsed')),
    actor text NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    applied_at timestamptz
);
-- At most one change waits for its payment per subscription.
CREATE UNIQUE INDEX plan_changes_one_waiting ON plan_changes (subscription_id) WHERE status = 'awaiting-payment';
