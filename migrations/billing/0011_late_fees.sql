-- Late fees (issue 25 item 5), off unless configured: an invoice of its own for the fee (the
-- overdue invoice is never edited), at most one per overdue invoice.
ALTER TABLE invoices DROP CONSTRAINT invoices_kind_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_kind_check CHECK (kind IN ('period', 'plan-change', 'late-fee'));
ALTER TABLE invoices ADD COLUMN late_fee_for uuid UNIQUE REFERENCES invoices (id);
ALTER TABLE invoices ADD CONSTRAINT invoices_late_fee_names_its_invoice CHECK ((kind = 'late-fee') = (late_fee_for IS NOT NULL));
