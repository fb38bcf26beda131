-- The certificate (DNS/SSL's id) last installed on the account's panel.
ALTER TABLE accounts ADD COLUMN certificate_id uuid;
