-- Orders paid for whose account could not be created: the subscription ends and its payments
-- go back. The failure may arrive before the order's subscription exists, so it is kept here.
CREATE TABLE undelivered_orders (
    order_id uuid PRIMARY KEY,
    reason text NOT NULL,
    reported_at timestamptz NOT NULL DEFAULT now()
);

-- Why a subscription ended: cancelled (asked for), undelivered, account_terminated, non_payment.
ALTER TABLE subscriptions ADD COLUMN end_reason text;

-- Why money went back and who sent it (an operator, or billing itself).
ALTER TABLE refunds ADD COLUMN cause text NOT NULL DEFAULT 'requested'
        CHECK (cause IN ('requested', 'undelivered', 'duplicate', 'wrong_amount', 'order_ended')),
    ADD COLUMN actor text;
