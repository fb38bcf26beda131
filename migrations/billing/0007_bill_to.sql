-- Who an invoice is made out to. The customer keeps a profile (from the portal, or an
-- operator); each invoice takes a copy when it is issued and keeps it: an issued invoice
-- never changes, whatever the customer edits later.
ALTER TABLE customers
    ADD COLUMN company text,
    ADD COLUMN address text,
    ADD COLUMN city text,
    ADD COLUMN postal_code text,
    ADD COLUMN vat_id text,
    -- Set once the customer has given a profile: orders no longer rename them.
    ADD COLUMN profile_updated_at timestamptz;

ALTER TABLE invoices ADD COLUMN bill_to jsonb;

-- The bill-to copied onto an invoice at issue (keys without a value left out); over the
-- row, so a run that joins its customers computes it without a lookup per invoice.
CREATE FUNCTION bill_to(c customers) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'name', c.name, 'company', c.company, 'address', c.address, 'city', c.city, 'postal_code', c.postal_code,
        'country', c.country, 'vat_id', c.vat_id, 'email', c.email))
$$;

-- Invoices issued before this release: their customer as billing knows them now.
UPDATE invoices i SET bill_to = bill_to(c) FROM customers c WHERE c.id = i.customer_id AND i.bill_to IS NULL;
