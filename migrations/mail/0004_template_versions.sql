-- The operator's versions of the email templates, kept in mail's database so that replacing
-- the container loses none. The newest version of a name is in force; earlier ones stay to be
-- restored (a restore adds a new version with the old text). Without any version, the file
-- templates are used.
CREATE TABLE template_versions (
    name text NOT NULL,
    version integer NOT NULL CHECK (version > 0),
    subject text NOT NULL,
    text text NOT NULL,
    html text NOT NULL,
    author text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version)
);
