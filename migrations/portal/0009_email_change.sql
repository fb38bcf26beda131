-- A change of email is proven like a sign-up: a single-use link sent to the new address,
-- which the link row carries until it is followed.
ALTER TABLE email_links ADD COLUMN new_email text CHECK (new_email = lower(new_email));
ALTER TABLE email_links DROP CONSTRAINT email_links_purpose_check;
ALTER TABLE email_links ADD CONSTRAINT email_links_purpose_check
    CHECK (purpose IN ('verify', 'reset', 'email-change') AND (purpose = 'email-change') = (new_email IS NOT NULL));
