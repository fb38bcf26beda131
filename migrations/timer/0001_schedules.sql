-- Timer: schedules and the last slot each has fired.
CREATE TABLE schedules (
    name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    cron text NOT NULL,
    time_zone text NOT NULL DEFAULT 'UTC',
    enabled boolean NOT NULL DEFAULT true,
    -- The latest slot announced; slots after it and up to now are due.
    last_slot timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- How far the timer's clock is ahead of the real one: tests and load runs move time forward.
CREATE TABLE clock (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    offset_seconds double precision NOT NULL DEFAULT 0
);
INSERT INTO clock DEFAULT VALUES;

-- The original system's daily jobs.
INSERT INTO schedules (name, cron) VALUES
    ('recurring-billing', '0 2 * * *'),
    ('overdue-suspensions', '0 3 * * *'),
    ('certificate-renewals', '0 4 * * *'),
    ('backup-cleanup', '0 5 * * *');
