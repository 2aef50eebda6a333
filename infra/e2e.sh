#!/usr/bin/env bash
# End-to-end tests: the built UI in Debian's Chromium against the REAL system.
#
# Builds the frontend, starts `parley up` (gateway + one worker per function; its own Kafka
# broker unless PARLEY_KAFKA__BOOTSTRAP names one, as `make test` does) on free ports with a
# temporary data dir and a topic prefix of its own, waits until it serves and every worker owns
# its partitions, runs `npx playwright test` (frontend/e2e/system.spec.ts) with PARLEY_E2E_URL,
# then stops everything with SIGTERM, whether the tests passed or not.
# Arguments go to Playwright (for example: bash infra/e2e.sh -g "private").
# Screenshots of the main screens land in tests/e2e/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$root/.venv/bin
started=$(date +%s)

chromium=${PARLEY_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "e2e: no Chromium at $chromium; install Debian's chromium (make system-deps does it as root)" >&2
  exit 1
fi

free_port() { "$bin/python" -m tests.support.net; }

bash infra/frontend.sh build

data=$(mktemp -d /tmp/parley-e2e.XXXXXX)
port=$(free_port)
export PARLEY_DATA_DIR=$data
export PARLEY_TOPIC_PREFIX="e2e.$(date +%s).$$."
export PARLEY_GATEWAY__HOST=127.0.0.1
export PARLEY_GATEWAY__PORT=$port
PARLEY_GRPC__PORT=$(free_port)
export PARLEY_GRPC__PORT
export PARLEY_GATEWAY__LEAVE_DEBOUNCE=0
export PARLEY_GATEWAY__STATIC_DIR=$root/frontend/dist
export PARLEY_FUNCTIONS_DIR=$root/functions
if [ -z "${PARLEY_KAFKA__BOOTSTRAP:-}" ]; then
  PARLEY_KAFKA__PORT=$(free_port)
  PARLEY_KAFKA__CONTROLLER_PORT=$(free_port)
  export PARLEY_KAFKA__PORT PARLEY_KAFKA__CONTROLLER_PORT
fi

up_pid=
tests_pid=
status=1
stop_system() {
  if [ -n "$tests_pid" ] && kill -0 "$tests_pid" 2>/dev/null; then
    kill -TERM -- "-$tests_pid" 2>/dev/null || true
    wait "$tests_pid" 2>/dev/null || true
  fi
  if [ -n "$up_pid" ] && kill -0 "$up_pid" 2>/dev/null; then
    kill -TERM "$up_pid" 2>/dev/null || true
    for _ in $(seq 1 600); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$up_pid" 2>/dev/null; then
      echo "e2e: parley up did not stop within 60 s; killing what it started" >&2
      kill -KILL $(pgrep -P "$up_pid") "$up_pid" 2>/dev/null || true
    fi
    wait "$up_pid" 2>/dev/null || true
  fi
  # Its own broker is stopped by parley up; this only matters if parley up was killed.
  if [ -z "${PARLEY_KAFKA__BOOTSTRAP:-}" ]; then "$bin/parley" kafka stop >/dev/null 2>&1 || true; fi
  if [ "$status" -eq 0 ]; then
    rm -rf "$data"
  else
    rm -rf "$data/kafka"
    echo "e2e: failed; the system's logs are in $data (up.log, logs/)" >&2
  fi
  echo "e2e: $( [ "$status" -eq 0 ] && echo passed || echo FAILED ) in $(( $(date +%s) - started )) s"
}
trap stop_system EXIT
trap 'exit 130' INT TERM

"$bin/parley" up >"$data/up.log" 2>&1 &
up_pid=$!

# Up: the supervisor says so, the gateway answers, and every worker owns its partitions (a
# worker's group starts at the end of its topics, so events before that would be skipped).
url="http://127.0.0.1:$port"
if ! "$bin/python" -m tests.support.ready "$url" "$data" "$up_pid"; then
  exit 1
fi
echo "e2e: parley is up at $url ($(( $(date +%s) - started )) s)"

# In the background and in a process group of its own (setsid), so that a signal to this script
# stops the whole run at once: stop_system sends SIGTERM to that group (npx, Playwright and its
# workers, which close their browsers on SIGTERM).
(cd frontend && PARLEY_E2E_URL=$url exec setsid npx playwright test "$@") &
tests_pid=$!
set +e
wait "$tests_pid"
status=$?
set -e
tests_pid=
exit $status
