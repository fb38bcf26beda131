-- Changes staff made through a service's API outside the console (the CLI, scripts) arrive as
-- record-staff-action commands from that service; each is written once, keyed by the
-- command's id, whatever the redeliveries.
ALTER TABLE audit_log ADD COLUMN message_id uuid UNIQUE;
