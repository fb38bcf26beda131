-- Whose account a recipient row is: a customer's messages are those queued for them and those
-- about their accounts, listed in the portal.
ALTER TABLE recipients ADD COLUMN customer_id uuid;
CREATE INDEX recipients_by_customer ON recipients (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX messages_by_account ON messages (account_id, created_at DESC) WHERE account_id IS NOT NULL;
