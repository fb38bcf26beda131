-- When the platform finished the work a paid order asked for: its account made, or given up
-- on. Paid orders not yet finished are checkout's backlog; past a bound, new orders are
-- turned away at the door (OrderBacklog). Orders paid before this column existed count as finished.
ALTER TABLE orders ADD COLUMN finished_at timestamptz;
UPDATE orders SET finished_at = updated_at WHERE status <> 'pending_payment';
CREATE INDEX orders_unfinished ON orders (id) WHERE status = 'paid' AND finished_at IS NULL;
