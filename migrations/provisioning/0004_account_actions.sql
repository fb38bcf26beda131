-- Every change asked of an account after it exists, by billing or by an operator: who
-- asked (the actor), what, and how it ended. The task that does it carries the row's id.
CREATE TABLE account_actions (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts,
    action text NOT NULL CHECK (action IN ('suspend', 'unsuspend', 'terminate', 'change-package', 'reset-password')),
    -- The suspension's reason or the new plan.
    detail text,
    actor text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'skipped', 'failed')),
    requested_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX account_actions_account ON account_actions (account_id, requested_at DESC);
