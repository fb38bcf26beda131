-- Three overdue notices instead of one (issue 25 item 6): the first keeps its name, the
-- second and third are steps of their own, each taken once per invoice.
ALTER TABLE dunning_actions DROP CONSTRAINT dunning_actions_action_check;
ALTER TABLE dunning_actions ADD CONSTRAINT dunning_actions_action_check
    CHECK (action IN ('due-soon', 'overdue', 'overdue-2', 'overdue-3', 'suspend', 'terminate'));
