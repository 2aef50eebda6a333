#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store's tests, in a directory you choose.
#
#   infra/postgres.sh [start] DIR [PORT]   install PostgreSQL if missing (as root, Debian), create
#                                          a cluster in DIR, start it on 127.0.0.1:PORT (a free
#                                          port when omitted), create role and database `parley`
#                                          (password `parley`) and print the SQLAlchemy URL
#   infra/postgres.sh stop DIR             stop that server (DIR stays; delete it when done)
#
#   export PARLEY_TEST_POSTGRES_URL=$(infra/postgres.sh /tmp/parley-pg)
#
# Only the URL goes to stdout; progress and errors go to stderr. Starting a DIR whose server is
# already running prints its URL again. As root, the server runs as the `postgres` user, which must
# be able to reach DIR (so not under a 0700 directory such as pytest's tmp dirs).
set -euo pipefail

say() { echo "postgres.sh: $*" >&2; }
die() { say "$*"; exit 1; }

usage() {
  sed -n '2,10s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] && echo "$bin"
}

install_postgres() {
  [ -n "$(pg_bin)" ] && return 0
  [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed; run as root or: sudo apt-get install -y postgresql"
  command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is missing; install PostgreSQL yourself"
  say "installing PostgreSQL (apt-get)"
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
  [ -n "$(pg_bin)" ] || die "apt-get installed postgresql but no initdb in /usr/lib/postgresql/*/bin"
}

# Run a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  (cd "$(dirname "$0")/.." && python3 -m tests.support.net)
}

url() { echo "postgresql+asyncpg://parley:parley@127.0.0.1:$1/parley"; }

psql_admin() {
  as_owner "$BIN/psql" -h "$DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

running() { as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
  install_postgres
  BIN=$(pg_bin)
  mkdir -p "$DIR"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$DIR"; fi
  as_owner test -w "$DIR" -a -x "$DIR" \
    || die "the postgres user cannot write $DIR; pick a directory it can reach, e.g. /tmp/parley-pg"

  if [ -f "$DIR/port" ] && running; then
    say "already running in $DIR"
    url "$(cat "$DIR/port")"
    return 0
  fi

  if [ ! -f "$DATA/PG_VERSION" ]; then
    say "creating a cluster in $DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C \
      --auth-local=trust --auth-host=scram-sha-256 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; die "initdb failed (log above)"; }
  fi

  PORT=${PORT:-$(free_port)}
  echo "$PORT" >"$DIR/port"
  say "starting on 127.0.0.1:$PORT (log: $DIR/postgres.log)"
  # fsync off: this cluster is for tests and is thrown away, so speed beats durability.
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DIR/postgres.log" -w -t 60 -o \
    "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DIR -c fsync=off" start >&2 \
    || { tail -20 "$DIR/postgres.log" >&2; die "PostgreSQL did not start (log tail above); is port $PORT free?"; }

  if [ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'parley'")" ]; then
    psql_admin -c "CREATE ROLE parley LOGIN PASSWORD 'parley'" >&2
  fi
  if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'parley'")" ]; then
    psql_admin -c "CREATE DATABASE parley OWNER parley" >&2
  fi
  url "$PORT"
}

stop() {
  BIN=$(pg_bin) || die "PostgreSQL is not installed, so nothing runs in $DIR"
  [ -f "$DATA/PG_VERSION" ] || die "$DIR holds no cluster (no $DATA/PG_VERSION)"
  if ! running; then
    say "not running in $DIR"
    return 0
  fi
  as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >&2
}

case "${1:-}" in
  stop) [ $# -eq 2 ] || usage; action=stop; shift ;;
  start) action=start; shift ;;
  "" | -h | --help) usage ;;
  *) action=start ;;
esac
[ $# -ge 1 ] && [ $# -le 2 ] || usage
DIR=$(realpath -m "$1")
DATA="$DIR/data"
PORT=${2:-}
"$action"
