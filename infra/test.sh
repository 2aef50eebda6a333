#!/usr/bin/env bash
# The project's checks, in one place (the Makefile's targets call this):
#   infra/test.sh static   ruff, ruff format, mypy --strict, the import-layering contracts
#   infra/test.sh unit     static, then the unit tests (no broker, no browser)
#   infra/test.sh [all]    static, the frontend checks, the browser e2e and every pytest test
#                          against a real broker
# `all` starts its own broker on free ports unless PARLEY_KAFKA__BOOTSTRAP points at one, and
# stops it on the way out, whether the tests passed or not. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
mode=all
case "${1:-}" in static|unit|all) mode=$1; shift ;; esac

static() {
  local status=0
  $bin/ruff check . || status=1
  $bin/ruff format --check . || status=1
  $bin/mypy || status=1
  $bin/lint-imports --no-cache || status=1
  $bin/protolint lint -config_path proto/.protolint.yaml proto/ || status=1
  return $status
}

status=0
case "$mode" in
  static) static; exit $? ;;
  unit)
    static || status=1
    $bin/pytest tests/unit -m "not kafka" "$@" || status=1
    exit $status ;;
esac

images_pid=
own_broker=
cleanup() {
  [ -z "$images_pid" ] || kill -- "-$images_pid" 2>/dev/null || true
  [ -z "$own_broker" ] || { $bin/parley kafka stop >/dev/null; rm -rf "$PARLEY_DATA_DIR"; }
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${PARLEY_KAFKA__BOOTSTRAP:-}" ]; then
  export PARLEY_DATA_DIR
  PARLEY_DATA_DIR=$(mktemp -d /tmp/parley-test.XXXXXX)
  PARLEY_KAFKA__PORT=$($bin/python -m tests.support.net)
  export PARLEY_KAFKA__PORT
  own_broker=1
  $bin/parley kafka start || exit 1
  export PARLEY_KAFKA__BOOTSTRAP="127.0.0.1:$PARLEY_KAFKA__PORT"
fi

# The container images build (mostly downloads) while the frontend and browser checks run;
# pytest's container tests then find them in podman's cache. A failed build is reported here
# and again, with its cause, by the container tests, which build what is missing. (Not when
# arguments choose the tests.) In a process group of its own, so that cleanup stops all of it.
images_log=$(mktemp /tmp/parley-images.XXXXXX)
if command -v podman >/dev/null && [ $# -eq 0 ]; then
  setsid bash infra/containers/images.sh >/dev/null 2>"$images_log" &
  images_pid=$!
fi
timed() {  # timed NAME COMMAND...: run it, say how long it took
  local began=$SECONDS rc=0
  "${@:2}" || rc=$?
  echo "test.sh: $1 took $((SECONDS - began)) s$([ $rc -eq 0 ] || echo " (failed)")"
  return $rc
}

if [ -f frontend/package.json ]; then
  timed frontend bash infra/frontend.sh check || status=1
  timed e2e bash infra/e2e.sh || status=1
fi
timed static static || status=1
if [ -n "$images_pid" ]; then
  began=$SECONDS
  if wait "$images_pid"; then
    images_pid=
    echo "test.sh: container images ready (waited $((SECONDS - began)) s)"
  else
    images_pid=
    echo "test.sh: building the container images failed:" >&2
    tail -20 "$images_log" >&2
  fi
fi
rm -f "$images_log"
timed pytest $bin/pytest --durations=15 "$@" || status=1
exit $status
