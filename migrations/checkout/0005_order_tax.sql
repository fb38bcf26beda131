-- Tax on the first payment (issue 25 item 1). Billing owns the rates and publishes each
-- change (tax-rate.changed); checkout keeps this copy to tax an order as billing taxes its
-- renewals. An order records the tax it charged on top of its price, at which rate, or that
-- an EU business in another member state accounts for the VAT itself (reverse charge).
CREATE TABLE tax_rates (
    country text PRIMARY KEY CHECK (country ~ '^[A-Z]{2}$'),
    name text NOT NULL,
    basis_points integer NOT NULL CHECK (basis_points BETWEEN 0 AND 10000)
);

ALTER TABLE customers ADD COLUMN vat_id text;
ALTER TABLE orders
    ADD COLUMN tax integer NOT NULL DEFAULT 0 CHECK (tax >= 0),
    ADD COLUMN tax_basis_points integer NOT NULL DEFAULT 0,
    ADD COLUMN tax_name text,
    ADD COLUMN reverse_charge boolean NOT NULL DEFAULT false,
    ADD COLUMN country text,
    ADD COLUMN vat_id text;
