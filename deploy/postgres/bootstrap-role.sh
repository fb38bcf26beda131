#!/usr/bin/env bash
# Creates a service's own login role and schema, and nothing else: the role can use only
# its own schema. Idempotent. Run as a Postgres superuser (ADMIN_URL).
# usage: deploy/postgres/bootstrap-role.sh ADMIN_URL SERVICE [PASSWORD]
set -euo pipefail
ADMIN_URL=$1 SERVICE=$2 PASSWORD=${3:-}
[[ "$SERVICE" =~ ^[a-z][a-z0-9_]{0,62}$ ]] || { echo "bad service name: $SERVICE" >&2; exit 2; }
psql -v ON_ERROR_STOP=1 -q "$ADMIN_URL" -v role="$SERVICE" -v password="$PASSWORD" <<'SQL'
SET client_min_messages = warning;
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') AS missing \gset
\if :missing
  CREATE ROLE :"role" LOGIN;
\endif
SELECT :'password' <> '' AS has_password \gset
\if :has_password
  ALTER ROLE :"role" PASSWORD :'password';
\endif
CREATE SCHEMA IF NOT EXISTS :"role" AUTHORIZATION :"role";
REVOKE ALL ON SCHEMA :"role" FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()) \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'role') \gexec
ALTER ROLE :"role" SET search_path = :"role";
SQL
