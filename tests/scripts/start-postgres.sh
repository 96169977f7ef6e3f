#!/usr/bin/env bash
# Starts a PostgreSQL server on 127.0.0.1:${PGPORT:-5432} for the tests, without Docker or systemd, and prints
# its connection string as the last line. Installs the Debian package first when it is missing (needs root or
# sudo). The data lives in ${PGDATA_DIR:-/tmp/sevenstamp-tests-pg}; the role may create databases, as the
# tests make one per test. Safe to run again: a server that already answers is reused.
#   tests/scripts/start-postgres.sh          start (or reuse)
#   tests/scripts/start-postgres.sh --stop   stop it
set -euo pipefail
port="${PGPORT:-5432}"
data="${PGDATA_DIR:-/tmp/sevenstamp-tests-pg}"
role=sevenstamp
password=sevenstamp
log() { echo "[postgres] $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { as_root runuser -u postgres -- "$@"; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ]; then
  log "installing the postgresql package"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

if [ "${1:-}" = "--stop" ]; then
  [ -f "$data/PG_VERSION" ] && as_postgres "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null || true
  log "stopped"
  exit 0
fi

if as_postgres "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  log "already running"
else
  if [ ! -f "$data/PG_VERSION" ]; then
    as_root mkdir -p "$data"
    as_root chown postgres:postgres "$data"
    as_root chmod 700 "$data"
    as_postgres "$bin/initdb" -D "$data" -U postgres -A trust >/dev/null
    # Password authentication over TCP, as the tests connect; the local socket stays trusted for this script.
    as_postgres bash -c "printf 'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n' > '$data/pg_hba.conf'"
  fi
  as_root mkdir -p /var/run/postgresql
  as_root chown postgres:postgres /var/run/postgresql
  log "starting"
  as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c max_connections=300 -c unix_socket_directories=/var/run/postgresql" start >/dev/null
fi

sql() { as_postgres psql -h /var/run/postgresql -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA -c "$1"; }
[ "$(sql "select 1 from pg_roles where rolname = '$role'")" = 1 ] || sql "create role $role login createdb password '$password'"
[ "$(sql "select 1 from pg_database where datname = '$role'")" = 1 ] || sql "create database $role owner $role"
log "ready on 127.0.0.1:$port"
echo "Host=127.0.0.1;Port=$port;Database=$role;Username=$role;Password=$password"
