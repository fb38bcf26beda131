-- Checkout cancels unpaid orders past their time every hour, on this schedule.
INSERT INTO schedules (name, cron) VALUES ('order-expiry', '0 * * * *') ON CONFLICT (name) DO NOTHING;
