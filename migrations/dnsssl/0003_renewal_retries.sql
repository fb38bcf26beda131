-- A renewal that failed no longer blocks the next: the daily run asks again until one is
-- issued. At most one renewal per certificate that has not failed.
ALTER TABLE certificates DROP CONSTRAINT certificates_renews_key;
CREATE UNIQUE INDEX certificates_one_live_renewal ON certificates (renews) WHERE status <> 'failed';
