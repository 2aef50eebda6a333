#!/usr/bin/env bash
# The browser UI's steps: `install` (npm ci when the lock file changed), `build`, `check`
# (generated event types up to date, type-check, lint, unit tests).
set -euo pipefail
cd "$(dirname "$0")/../frontend"

install() {
  # npm ci is slow; redo it only when package-lock.json is newer than the last install.
  if [ ! -f node_modules/.installed ] || [ package-lock.json -nt node_modules/.installed ]; then
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules/.installed
  fi
}

case "${1:-check}" in
  install) install ;;
  build) install; npm run --silent build ;;
  check) install; npm run --silent check:events; npm run --silent typecheck; npm run --silent lint; npm test --silent ;;
  *) echo "usage: $0 install|build|check" >&2; exit 2 ;;
esac
