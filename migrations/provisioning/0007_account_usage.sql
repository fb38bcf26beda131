-- Each account's disk and bandwidth on a day, as its panel reported them (usage-sync).
-- A limit of NULL is unlimited.
CREATE TABLE account_usage (
    account_id uuid NOT NULL REFERENCES accounts,
    day date NOT NULL,
    disk_mb bigint NOT NULL CHECK (disk_mb >= 0),
    disk_limit_mb bigint,
    bandwidth_mb bigint NOT NULL CHECK (bandwidth_mb >= 0),
    bandwidth_limit_mb bigint,
    PRIMARY KEY (account_id, day)
);
CREATE INDEX account_usage_by_day ON account_usage (day);

-- The usage warnings sent: one per account, resource, threshold and month, whatever
-- syncs run and however often.
CREATE TABLE usage_warnings (
    account_id uuid NOT NULL REFERENCES accounts,
    resource text NOT NULL CHECK (resource IN ('disk', 'bandwidth')),
    threshold integer NOT NULL CHECK (threshold IN (80, 100)),
    period text NOT NULL CHECK (period ~ '^[0-9]{4}-[0-9]{2}$'),
    warned_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, resource, threshold, period)
);
