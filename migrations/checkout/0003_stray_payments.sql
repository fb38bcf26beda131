-- Payments that should not have happened (a second payment for a paid order, a wrong
-- amount, a payment for an order that had ended), each refunded once: the payment is the key.
CREATE TABLE stray_payments (
    payment_intent text PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders,
    amount bigint NOT NULL CHECK (amount > 0),
    currency text NOT NULL,
    reason text NOT NULL CHECK (reason IN ('duplicate', 'wrong_amount', 'order_ended')),
    refund_reference text,
    found_at timestamptz NOT NULL DEFAULT now(),
    refunded_at timestamptz
);
