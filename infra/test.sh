#!/usr/bin/env bash
# `make test`: lint, type-check and run every test against a real broker.
# Starts its own broker on free ports unless PARLEY_KAFKA__BOOTSTRAP points at one, and stops it
# on the way out, whether the tests passed or not.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin

if [ -z "${PARLEY_KAFKA__BOOTSTRAP:-}" ]; then
  export PARLEY_DATA_DIR
  PARLEY_DATA_DIR=$(mktemp -d /tmp/parley-test.XXXXXX)
  PARLEY_KAFKA__PORT=$($bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  export PARLEY_KAFKA__PORT
  stop_broker() { $bin/parley kafka stop >/dev/null; rm -rf "$PARLEY_DATA_DIR"; }
  trap stop_broker EXIT
  trap 'exit 130' INT TERM
  $bin/parley kafka start || exit 1
  export PARLEY_KAFKA__BOOTSTRAP="127.0.0.1:$PARLEY_KAFKA__PORT"
fi

status=0
if [ -f frontend/package.json ]; then
  bash infra/frontend.sh check || status=1
fi
if [ -f frontend/package.json ]; then bash infra/e2e.sh || status=1; fi
$bin/ruff check . || status=1
$bin/ruff format --check . || status=1
$bin/mypy || status=1
$bin/pytest "$@" || status=1
exit $status
