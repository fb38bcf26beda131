-- An open invoice nothing was paid on can be voided by staff: cancelled, never charged or
-- dunned again, its period not invoiced again; who did it and why are kept with it.
ALTER TABLE invoices ADD COLUMN voided_at timestamptz, ADD COLUMN voided_by text, ADD COLUMN void_reason text;
