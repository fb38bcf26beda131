-- The last health check of each server's panel API (asked from the console or the API), so
-- the dashboard shows when a server was last seen answering.
ALTER TABLE servers ADD COLUMN health_checked_at timestamptz, ADD COLUMN health_ok boolean, ADD COLUMN health_error text;
