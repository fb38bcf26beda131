-- What the customer's live order page shows, from the other services' events: each step's
-- time, or why it failed. Events from different publishers arrive in any order, so what is
-- known by account is kept apart from what is known by order.
CREATE TABLE order_progress (
    order_id uuid PRIMARY KEY,
    customer_id uuid,
    account_id uuid UNIQUE,
    paid_at timestamptz,
    account_at timestamptz,
    failed_at timestamptz,
    failure text
);

CREATE TABLE account_progress (
    account_id uuid PRIMARY KEY,
    zone_at timestamptz,
    certificate_at timestamptz,
    certificate_failure text,
    welcome_at timestamptz,
    welcome_failure text
);
