-- When staff carried out a person's request to be forgotten: the row stays (its id is what
-- the audit log and the other services' records point at), emptied of who they were.
ALTER TABLE people ADD COLUMN erased_at timestamptz;
