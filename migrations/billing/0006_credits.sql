-- A customer's credit: goodwill credits staff grant (positive rows) and what invoicing takes
-- from it to pay an invoice (negative rows, one per invoice at most). The balance per
-- currency is the sum; it never goes below zero.
CREATE TABLE credits (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id uuid NOT NULL REFERENCES customers (id),
    currency text NOT NULL,
    amount integer NOT NULL CHECK (amount <> 0),
    reason text NOT NULL,
    actor text NOT NULL,
    -- The invoice an application paid: each invoice takes from the credit once.
    invoice_id uuid UNIQUE REFERENCES invoices (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((amount < 0) = (invoice_id IS NOT NULL))
);
CREATE INDEX credits_by_customer ON credits (customer_id, currency);

-- An invoice paid from the credit records a payment of method 'credit'.
ALTER TABLE payments DROP CONSTRAINT payments_method_check;
ALTER TABLE payments ADD CONSTRAINT payments_method_check CHECK (method IN ('order', 'card', 'webhook', 'manual', 'credit'));
