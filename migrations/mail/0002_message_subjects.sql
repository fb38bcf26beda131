-- What a message is about, when known: email.sent and email.failed name it, and a customer's
-- messages can be listed.
ALTER TABLE messages ADD COLUMN account_id uuid, ADD COLUMN customer_id uuid;
CREATE INDEX messages_by_customer ON messages (customer_id, created_at DESC) WHERE customer_id IS NOT NULL;
