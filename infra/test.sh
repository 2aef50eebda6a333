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

if [ -z "${PARLEY_KAFKA__BOOTSTRAP:-}" ]; then
  export PARLEY_DATA_DIR
  PARLEY_DATA_DIR=$(mktemp -d /tmp/parley-test.XXXXXX)
  PARLEY_KAFKA__PORT=$($bin/python -m tests.support.net)
  export PARLEY_KAFKA__PORT
  stop_broker() { $bin/parley kafka stop >/dev/null; rm -rf "$PARLEY_DATA_DIR"; }
  trap stop_broker EXIT
  trap 'exit 130' INT TERM
  $bin/parley kafka start || exit 1
  export PARLEY_KAFKA__BOOTSTRAP="127.0.0.1:$PARLEY_KAFKA__PORT"
fi

if [ -f frontend/package.json ]; then
  bash infra/frontend.sh check || status=1
  bash infra/e2e.sh || status=1
fi
static || status=1
$bin/pytest "$@" || status=1
exit $status
