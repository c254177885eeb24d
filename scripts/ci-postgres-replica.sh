#!/usr/bin/env bash
# A streaming replica of the cluster scripts/ci-postgres.sh starts, for the suite's replica tests
# (and for trying DATABASE_REPLICA_URLS by hand).
#
#   TEST_POSTGRES_URL="$(scripts/ci-postgres.sh)"
#   TEST_POSTGRES_REPLICA_URL="$(scripts/ci-postgres-replica.sh)" npx jest test/e2e/read-replicas.test.ts
#
# Copies the running primary with pg_basebackup -R (Debian's PostgreSQL packages, installed by
# ci-postgres.sh), as a role that may only replicate, and starts the copy as a hot standby that
# listens on 127.0.0.1 only. Prints the replica's admin URL (same role, same password as the
# primary's) on stdout, everything else on stderr. Running it again reuses the replica when it is
# already up. Stop it with `scripts/ci-postgres-replica.sh stop`.
#
# Settings (environment): HELPGATE_PG_PORT (5432) and HELPGATE_PG_DIR (/tmp/helpgate-postgres) of
# the primary, HELPGATE_PG_REPLICA_PORT (5433), HELPGATE_PG_REPLICA_DIR
# (/tmp/helpgate-postgres-replica), HELPGATE_PG_USER / HELPGATE_PG_PASSWORD (helpgate / helpgate).
set -euo pipefail

PRIMARY_PORT="${HELPGATE_PG_PORT:-5432}"
PRIMARY_DIR="${HELPGATE_PG_DIR:-/tmp/helpgate-postgres}"
PORT="${HELPGATE_PG_REPLICA_PORT:-5433}"
DIR="${HELPGATE_PG_REPLICA_DIR:-/tmp/helpgate-postgres-replica}"
ROLE="${HELPGATE_PG_USER:-helpgate}"
PASSWORD="${HELPGATE_PG_PASSWORD:-helpgate}"
REPLICATOR=helpgate_replicator
DATA="$DIR/data"
SOCKETS="$DIR/run"
LOG="$DIR/server.log"
PRIMARY_SOCKETS="$PRIMARY_DIR/run"

say() { echo "ci-postgres-replica: $*" >&2; }

. "$(dirname "$0")/postgres-common.sh"

BIN="$(find_bin)"
[ -n "$BIN" ] || { say "PostgreSQL is not installed; run scripts/ci-postgres.sh first"; exit 1; }

if [ "${1:-}" = stop ]; then
  if [ -f "$DATA/PG_VERSION" ]; then as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast stop >&2 || true; fi
  exit 0
fi

started=$(date +%s.%N)
primary() { as_postgres "$BIN/psql" -h "$PRIMARY_SOCKETS" -p "$PRIMARY_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
primary -c "SELECT 1" >/dev/null || { say "the primary on port $PRIMARY_PORT does not answer; run scripts/ci-postgres.sh first"; exit 1; }

# wal_level 'replica' and a few WAL senders are PostgreSQL's defaults; a cluster set otherwise
# needs a restart, which this script leaves to whoever configured it so.
[ "$(primary -c "SHOW wal_level")" != minimal ] || { say "the primary has wal_level=minimal; set wal_level=replica and restart it"; exit 1; }
[ "$(primary -c "SHOW max_wal_senders")" -gt 0 ] || { say "the primary has max_wal_senders=0; raise it and restart it"; exit 1; }

# A role that may replicate and nothing else; initdb's pg_hba.conf lets any role replicate over
# 127.0.0.1 with a password (scram-sha-256).
literal="'${PASSWORD//\'/\'\'}'"
if [ "$(primary -c "SELECT 1 FROM pg_roles WHERE rolname = '$REPLICATOR'")" = 1 ]; then
  primary -c "ALTER ROLE $REPLICATOR WITH LOGIN REPLICATION PASSWORD $literal" >&2
else
  say "creating role $REPLICATOR"
  primary -c "CREATE ROLE $REPLICATOR WITH LOGIN REPLICATION PASSWORD $literal" >&2
fi
# The tests pause and resume the replica's replay (a replica that falls behind) as the test role;
# the grant is made on the primary and reaches the replica through the WAL.
ident="\"${ROLE//\"/\"\"}\""
primary -c "GRANT EXECUTE ON FUNCTION pg_wal_replay_pause(), pg_wal_replay_resume(), pg_is_wal_replay_paused() TO $ident" >&2
# No replication slot (a stopped replica would keep the primary's WAL forever): the primary keeps
# enough WAL for a replica that was stopped for a while to catch up. A reload, no restart.
if [ "$(primary -c "SHOW wal_keep_size")" = 0 ]; then
  primary -c "ALTER SYSTEM SET wal_keep_size = '256MB'" -c "SELECT pg_reload_conf()" >/dev/null
fi

mkdir -p "$DIR" "$SOCKETS"
chown postgres: "$DIR" "$SOCKETS" 2>/dev/null || true
chmod 700 "$DIR"

# A copy left from an earlier primary (the cluster was made again since) cannot follow this one.
if [ -f "$DATA/PG_VERSION" ]; then
  system_id() { as_postgres "$BIN/pg_controldata" -D "$1" | sed -n 's/^Database system identifier: *//p'; }
  if [ "$(system_id "$DATA")" != "$(system_id "$PRIMARY_DIR/data")" ]; then
    say "the copy in $DATA is of another cluster; copying again"
    as_postgres "$BIN/pg_ctl" -D "$DATA" -m immediate stop >&2 2>/dev/null || true
    rm -rf "$DATA"
  fi
fi

# A stopped copy may need WAL the primary has recycled since (wal_keep_size, no slot): copied again.
if [ -f "$DATA/PG_VERSION" ] && ! as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  say "the copy in $DATA is not running and may have fallen too far behind; copying again"
  rm -rf "$DATA"
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  say "copying the primary (127.0.0.1:$PRIMARY_PORT) into $DATA"
  as_postgres env PGPASSWORD="$PASSWORD" "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U "$REPLICATOR" \
    -D "$DATA" -R -X stream --checkpoint=fast >&2
  # The copy carries the primary's ALTER SYSTEM settings; its own port and sockets are set below.
fi

if as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  say "replica already running ($DATA)"
else
  say "starting the replica on 127.0.0.1:$PORT"
  as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 120 start \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $SOCKETS -c max_connections=300 -c hot_standby=on -c hot_standby_feedback=on -c fsync=off -c full_page_writes=off" >&2 \
    || { say "start failed; the log says:"; tail -n 20 "$LOG" >&2 || true; exit 1; }
fi

replica() { as_postgres "$BIN/psql" -h "$SOCKETS" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
[ "$(replica -c "SELECT pg_is_in_recovery()")" = t ] || { say "the server on port $PORT is not a replica"; exit 1; }
# Streaming, not only replaying what the copy brought along.
for _ in $(seq 1 60); do
  [ "$(replica -c "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'")" = 1 ] && break
  sleep 0.5
done
[ "$(replica -c "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'")" = 1 ] || {
  say "the replica does not stream from the primary (stop it and run this again to copy afresh: $0 stop); its log says:"
  tail -n 20 "$LOG" >&2
  exit 1
}

say "streaming from 127.0.0.1:$PRIMARY_PORT; ready in $(node -e 'console.log((Number(process.argv[2]) - Number(process.argv[1])).toFixed(1))' "$started" "$(date +%s.%N)") s"
urlencode() { node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$1" 2>/dev/null || printf '%s' "$1"; }
echo "postgres://$(urlencode "$ROLE"):$(urlencode "$PASSWORD")@127.0.0.1:$PORT/postgres"
