-- A timer slot runs each kind of billing once per day, however often `timer.fired` for it
-- arrives (a republished event, a second timer). Runs asked for through the API are not
-- limited: what they do is idempotent per invoice and dunning step, and operators see each.
DELETE FROM runs a USING runs b
WHERE a.trigger = 'timer' AND b.trigger = 'timer' AND a.kind = b.kind AND a.run_date = b.run_date AND a.id > b.id;
CREATE UNIQUE INDEX runs_timer_once_a_day ON runs (kind, run_date) WHERE trigger = 'timer';
