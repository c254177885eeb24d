#!/usr/bin/env bash
# A local PostgreSQL for the test suite's second run (and for trying DATABASE_URL=postgres://).
#
#   TEST_POSTGRES_URL="$(scripts/ci-postgres.sh)" npx jest
#
# Installs PostgreSQL from Debian's packages if it is missing, starts a throw-away cluster that
# listens on 127.0.0.1 only (data under /tmp), creates a role that may create databases, and
# prints the admin URL for TEST_POSTGRES_URL on stdout (everything else goes to stderr). Running
# it again reuses the cluster when it is already up. Stop it with `scripts/ci-postgres.sh stop`.
#
# Settings (environment): HELPGATE_PG_PORT (5432), HELPGATE_PG_DIR (/tmp/helpgate-postgres),
# HELPGATE_PG_USER / HELPGATE_PG_PASSWORD (helpgate / helpgate).
set -euo pipefail

PORT="${HELPGATE_PG_PORT:-5432}"
DIR="${HELPGATE_PG_DIR:-/tmp/helpgate-postgres}"
ROLE="${HELPGATE_PG_USER:-helpgate}"
PASSWORD="${HELPGATE_PG_PASSWORD:-helpgate}"
DATA="$DIR/data"
SOCKETS="$DIR/run"
LOG="$DIR/server.log"

say() { echo "ci-postgres: $*" >&2; }

. "$(dirname "$0")/postgres-common.sh"

BIN="$(find_bin)"

if [ "${1:-}" = stop ]; then
  if [ -n "$BIN" ] && [ -f "$DATA/PG_VERSION" ]; then as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast stop >&2 || true; fi
  exit 0
fi

if [ -z "$BIN" ]; then
  say "installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d (in containers) stops the package from starting its own cluster; we start ours.
  apt-get install -y postgresql >&2 || { apt-get update >&2 && apt-get install -y postgresql >&2; }
  BIN="$(find_bin)"
  [ -n "$BIN" ] || { say "PostgreSQL installed but pg_ctl not found under /usr/lib/postgresql"; exit 1; }
fi

id postgres >/dev/null 2>&1 || { say "no 'postgres' system user (the Debian package creates it)"; exit 1; }
mkdir -p "$DIR" "$SOCKETS"
chown postgres: "$DIR" "$SOCKETS" 2>/dev/null || true
chmod 700 "$DIR"

if [ ! -f "$DATA/PG_VERSION" ]; then
  say "creating a cluster in $DATA"
  # C.UTF-8: the same code-point ordering of strings as SQLite's default, with Unicode-aware lower().
  locale_args=(--encoding=UTF8 --locale=C)
  if locale -a 2>/dev/null | grep -qix 'c.utf-\?8'; then locale_args=(--encoding=UTF8 --locale=C.UTF-8); fi
  as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 "${locale_args[@]}" >&2
fi

if as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  say "cluster already running ($DATA)"
else
  say "starting PostgreSQL on 127.0.0.1:$PORT"
  as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $SOCKETS -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >&2 \
    || { say "start failed; the log says:"; tail -n 20 "$LOG" >&2 || true; exit 1; }
fi

psql_admin() { as_postgres "$BIN/psql" -h "$SOCKETS" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

# Quote for SQL: the role name as an identifier, the password as a literal.
ident="\"${ROLE//\"/\"\"}\""
literal="'${PASSWORD//\'/\'\'}'"
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '${ROLE//\'/\'\'}'")" = 1 ]; then
  psql_admin -c "ALTER ROLE $ident WITH LOGIN CREATEDB PASSWORD $literal" >&2
else
  say "creating role $ROLE"
  psql_admin -c "CREATE ROLE $ident WITH LOGIN CREATEDB PASSWORD $literal" >&2
fi
# The tests drop their databases WITH (FORCE), which ends the connections still open to them; an
# autovacuum worker busy in one belongs to no role of ours, and ending it needs pg_signal_backend.
psql_admin -c "GRANT pg_signal_backend TO $ident" >&2
# A database of the role's own, for running the server by hand (DATABASE_URL=.../helpgate).
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'helpgate'")" != 1 ]; then
  psql_admin -c "CREATE DATABASE helpgate OWNER $ident" >&2
fi

urlencode() { node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$1" 2>/dev/null || printf '%s' "$1"; }
say "ready; run the server with DATABASE_URL=postgres://$ROLE:***@127.0.0.1:$PORT/helpgate"
echo "postgres://$(urlencode "$ROLE"):$(urlencode "$PASSWORD")@127.0.0.1:$PORT/postgres"
