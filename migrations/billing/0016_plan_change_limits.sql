-- The new product's limits (the catalog's `limits` object), sent with the package change so
-- provisioning sets them on the account; NULL for changes recorded before.
ALTER TABLE plan_changes ADD COLUMN to_limits text;
