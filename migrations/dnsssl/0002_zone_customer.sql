-- The customer who owns each zone (from account.provisioned), so the customer may edit its
-- records through the customer-scoped API. Zones made before this stay operator-only.
ALTER TABLE zones ADD COLUMN customer_id uuid;
CREATE INDEX zones_by_customer ON zones (customer_id) WHERE customer_id IS NOT NULL;
