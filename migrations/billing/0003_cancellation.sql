-- Cancellation: asked for by the customer or an operator, now or at the end of the paid
-- term; on `cancel_on` the subscription ends, its account is terminated and invoices for
-- periods from that day are cancelled.
ALTER TABLE subscriptions ADD COLUMN cancel_on date, ADD COLUMN cancel_requested_at timestamptz,
    ADD COLUMN cancel_requested_by text, ADD COLUMN cancelled_at timestamptz;
CREATE INDEX subscriptions_cancel_on ON subscriptions (cancel_on) WHERE cancel_on IS NOT NULL AND status IN ('active', 'suspended');
