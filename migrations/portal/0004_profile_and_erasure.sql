-- What a customer tells about themselves for their invoices, and their request to be forgotten
-- (carried out by staff, who keep what the law requires for invoices).
ALTER TABLE people ADD COLUMN company text, ADD COLUMN address text, ADD COLUMN city text, ADD COLUMN postal_code text,
    ADD COLUMN country text CHECK (country ~ '^[A-Z]{2}$'), ADD COLUMN vat_id text,
    ADD COLUMN erasure_requested_at timestamptz;
