-- One invoice per customer per due date: an invoice may bill several subscriptions, a line
-- each, so the once-per-period guarantee moves from the invoice to its lines.
-- The subscription has no foreign key: its check (with the row lock it takes on a subscription
-- the same run moves on) cost a fifth of a daily run; only billing writes lines, from its own
-- subscriptions, and never deletes one.
ALTER TABLE invoice_lines
    ADD COLUMN subscription_id uuid,
    -- Set on the line that bills a subscription's period (the period's start and its end, exclusive).
    ADD COLUMN period_start date,
    ADD COLUMN period_end date,
    -- The invoice was cancelled and reissued without some of its services (they ended): its
    -- lines no longer hold their periods, the new invoice's do.
    ADD COLUMN replaced boolean NOT NULL DEFAULT false;
UPDATE invoice_lines l SET subscription_id = i.subscription_id,
       period_start = CASE WHEN i.kind = 'period' THEN i.period_start END,
       period_end = CASE WHEN i.kind = 'period' THEN i.period_end END
FROM invoices i WHERE l.invoice_id = i.id AND l.position = 1 AND i.kind IN ('period', 'plan-change');
-- One line per subscription and period, however often or however many billing runs there are.
CREATE UNIQUE INDEX invoice_lines_one_per_period ON invoice_lines (subscription_id, period_start)
    WHERE period_start IS NOT NULL AND NOT replaced;
CREATE INDEX invoice_lines_subscription ON invoice_lines (subscription_id) WHERE subscription_id IS NOT NULL;
DROP INDEX invoices_one_per_period;
-- NULL when the invoice bills several subscriptions: its lines say which.
ALTER TABLE invoices ALTER COLUMN subscription_id DROP NOT NULL;

-- The daily run takes the due subscriptions in batches, by due date and customer, so that a
-- customer's services due together are invoiced in the same batch.
CREATE INDEX subscriptions_due_by_customer ON subscriptions (next_due, customer_id) WHERE status IN ('active', 'suspended');
DROP INDEX subscriptions_next_due;

-- A run commits batch by batch: its row is written first and counts what each batch committed;
-- finished_at stays NULL until the last one.
ALTER TABLE runs
    ALTER COLUMN finished_at DROP NOT NULL,
    ALTER COLUMN finished_at DROP DEFAULT,
    ADD COLUMN started_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN batches integer NOT NULL DEFAULT 0,
    ADD COLUMN subscriptions_invoiced integer NOT NULL DEFAULT 0;
UPDATE runs SET started_at = finished_at, updated_at = finished_at;
