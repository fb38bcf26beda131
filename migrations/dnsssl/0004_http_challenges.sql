-- http-01: the key authorization each pending challenge token must be answered with at
-- http://<name>/.well-known/acme-challenge/<token> (the panel servers forward that path to
-- DNS/SSL). Removed once the certificate is issued.
CREATE TABLE http_challenges (
    token text PRIMARY KEY CHECK (token ~ '^[A-Za-z0-9_-]{16,128}$'),
    key_authorization text NOT NULL,
    certificate_id uuid NOT NULL REFERENCES certificates (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX http_challenges_of_certificate ON http_challenges (certificate_id);

-- How the CA validated the certificate's names: dns-01 where the domain is delegated to our
-- name servers, http-01 where it is not.
ALTER TABLE certificates ADD COLUMN challenge text CHECK (challenge IN ('dns-01', 'http-01'));
