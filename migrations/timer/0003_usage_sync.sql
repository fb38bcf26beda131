-- Provisioning reads every server's disk and bandwidth use once a day.
INSERT INTO schedules (name, cron) VALUES ('usage-sync', '30 0 * * *') ON CONFLICT (name) DO NOTHING;
