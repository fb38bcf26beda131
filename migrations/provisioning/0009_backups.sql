-- Each account's backups: at most one scheduled a day, others on demand or before a restore.
-- A backup is kept until expires_at (its retention from when it was asked for, the timer's
-- slot for a scheduled one), then deleted on the panel once by backup-cleanup.
CREATE TABLE backups (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts,
    server_id uuid NOT NULL REFERENCES servers,
    kind text NOT NULL CHECK (kind IN ('scheduled', 'manual', 'safety')),
    day date,
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'completed', 'failed', 'deleted')),
    -- The panel's handle for the run in progress; cleared when a run fails, so the next attempt starts anew.
    panel_job text,
    location text,
    size_mb bigint CHECK (size_mb >= 0),
    requested_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    started_at timestamptz,
    completed_at timestamptz,
    deleted_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    requested_by text,
    CHECK ((kind = 'scheduled') = (day IS NOT NULL)),
    CHECK (status NOT IN ('completed', 'deleted') OR location IS NOT NULL)
);
CREATE UNIQUE INDEX backups_one_scheduled_a_day ON backups (account_id, day) WHERE kind = 'scheduled';
CREATE INDEX backups_of_account ON backups (account_id, requested_at DESC);
-- At most HOSTWIRE_BACKUPS_PER_SERVER run at once on a server.
CREATE INDEX backups_running ON backups (server_id) WHERE status = 'running';
CREATE INDEX backups_expiring ON backups (expires_at) WHERE status = 'completed';

-- Restores of an account to a backup: a safety backup first, then suspended (reason
-- 'restore'), restored, and unsuspended only if still suspended for that reason.
CREATE TABLE restores (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts,
    backup_id uuid NOT NULL REFERENCES backups,
    safety_backup_id uuid REFERENCES backups,
    step text NOT NULL DEFAULT 'safety-backup'
        CHECK (step IN ('safety-backup', 'suspend', 'restore', 'unsuspend', 'done', 'failed')),
    panel_job text,
    requested_by text,
    requested_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    last_error text
);
-- One restore of an account at a time.
CREATE UNIQUE INDEX restores_one_at_a_time ON restores (account_id) WHERE step NOT IN ('done', 'failed');
