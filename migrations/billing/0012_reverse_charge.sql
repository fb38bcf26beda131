-- An EU business in another member state than the host's accounts for the VAT itself
-- (reverse charge): its invoices carry no VAT and say why (issue 25 item 1). Decided when
-- the customer's country or VAT number is saved, against HOSTWIRE_SELLER_COUNTRY.
ALTER TABLE customers ADD COLUMN reverse_charge boolean NOT NULL DEFAULT false;
