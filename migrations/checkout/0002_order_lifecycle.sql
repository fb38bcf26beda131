-- Orders end: an unpaid one is cancelled when it expires, a paid one is closed when its
-- account is terminated. Either frees the domain for a new order.
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('pending_payment', 'paid', 'cancelled', 'closed'));
ALTER TABLE orders ADD COLUMN ended_at timestamptz, ADD COLUMN end_reason text;
DROP INDEX orders_one_live_order_per_domain;
CREATE UNIQUE INDEX orders_one_live_order_per_domain ON orders (domain)
    WHERE status IN ('pending_payment', 'paid') AND domain IS NOT NULL;
CREATE INDEX orders_pending_by_age ON orders (created_at) WHERE status = 'pending_payment';

-- Rate limits: one row per attempt, by action and subject (ServiceRuntime's RateLimiter).
CREATE TABLE attempts (
    action text NOT NULL,
    subject text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attempts_by_subject ON attempts (action, subject, at);
