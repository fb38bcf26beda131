-- The product's limits the account was sold with (provision-account version 2: disk_mb,
-- bandwidth_mb, mailboxes, databases; 0 unlimited), applied on its panel over its package's.
-- NULL: the package's alone (accounts from before, or from the admin API without limits).
ALTER TABLE accounts ADD COLUMN limits jsonb;
