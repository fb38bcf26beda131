-- Credit notes (issue 25 item 4). An issued invoice is never edited: what cancels or
-- corrects it is a credit note, numbered in a gap-free sequence of its own (taken in the
-- transaction that issues it, as invoice numbers are), with what it settles by: the
-- invoice cancelled unpaid, money refunded, or credit on the customer's balance.
CREATE TABLE credit_note_counter (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    last bigint NOT NULL DEFAULT 0
);
INSERT INTO credit_note_counter DEFAULT VALUES;

CREATE TABLE credit_notes (
    id uuid PRIMARY KEY,
    number text NOT NULL UNIQUE,
    invoice_id uuid NOT NULL REFERENCES invoices (id),
    customer_id uuid NOT NULL REFERENCES customers (id),
    amount integer NOT NULL CHECK (amount > 0),
    currency text NOT NULL,
    settlement text NOT NULL CHECK (settlement IN ('cancellation', 'refund', 'credit')),
    -- The refund or the credit it caused: each causes one credit note.
    refund_id uuid UNIQUE REFERENCES refunds (id),
    credit_id uuid UNIQUE REFERENCES credits (id),
    reason text,
    actor text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((settlement = 'refund') = (refund_id IS NOT NULL) AND (settlement = 'credit') = (credit_id IS NOT NULL))
);
CREATE INDEX credit_notes_by_invoice ON credit_notes (invoice_id);
CREATE INDEX credit_notes_by_customer ON credit_notes (customer_id, created_at);

-- Voids and refunds made before this release get their credit notes, numbered in the order they happened.
WITH past AS (
    SELECT i.id AS invoice_id, i.customer_id, i.total AS amount, i.currency, 'cancellation' AS settlement,
           NULL::uuid AS refund_id, i.void_reason AS reason, coalesce(i.voided_by, 'billing') AS actor, i.voided_at AS at
    FROM invoices i WHERE i.voided_at IS NOT NULL AND i.total > 0
    UNION ALL
    SELECT p.invoice_id, i.customer_id, r.amount, p.currency, 'refund', r.id, r.reason, 'billing', r.created_at
    FROM refunds r JOIN payments p ON p.id = r.payment_id JOIN invoices i ON i.id = p.invoice_id
), numbered AS (
    SELECT past.*, row_number() OVER (ORDER BY at, invoice_id) AS n FROM past
)
INSERT INTO credit_notes (id, number, invoice_id, customer_id, amount, currency, settlement, refund_id, reason, actor, created_at)
SELECT gen_random_uuid(), 'CN-' || lpad(n::text, 6, '0'), invoice_id, customer_id, amount, currency, settlement, refund_id,
       reason, actor, at
FROM numbered;
UPDATE credit_note_counter SET last = (SELECT count(*) FROM credit_notes);
