-- Provisioning backs up every account due on its product's schedule once a day.
INSERT INTO schedules (name, cron) VALUES ('account-backups', '30 1 * * *') ON CONFLICT (name) DO NOTHING;
