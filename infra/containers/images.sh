#!/usr/bin/env bash
# The compose stack's images, built on local bases: what `tests/containers` runs, and what
# `make test` builds in the background while the frontend and browser checks run.
#
#   infra/containers/images.sh     bases when stale (bases.sh), the host's Kafka jars handed to
#                                  the Kafka image, then `podman-compose build` of the images the
#                                  stack runs; prints the environment that selects them
#
# Output (stdout): NAME=VALUE lines: the podman state (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF)
# and the compose file's base-image arguments (PARLEY_PYTHON_IMAGE=localhost/parley-base:py...).
# A second run is fast: bases are kept by recipe, images by podman's layer cache.
set -euo pipefail
umask 022 # the images' files must be readable by their runtime user, whatever the caller's umask
cd "$(dirname "$0")/../.."
say() { echo "images.sh: $*" >&2; }
started=$(date +%s)

env_lines=$(bash infra/containers/bases.sh --env | sed 's/^export //')
while IFS='=' read -r name value; do export "$name=$value"; done <<<"$env_lines"
bases=$(bash infra/containers/bases.sh)
args=$(sed 's/^/PARLEY_/' <<<"$bases")
while IFS='=' read -r name value; do export "$name=$value"; done <<<"$args"

# The jars the embedded broker resolved already: the Kafka image copies them instead of running
# Maven inside the build (one such download stalled for minutes).
libs=${PARLEY_KAFKA__LIBS:-${XDG_CACHE_HOME:-$HOME/.cache}/parley/kafka-libs}
prefetched=infra/containers/kafka/prefetched
rm -f "$prefetched"/*.jar
if compgen -G "$libs/*.jar" >/dev/null; then
  cp "$libs"/*.jar "$prefetched"/
  chmod 0644 "$prefetched"/*.jar # the cache may be private (parley runs Maven under umask 077)
fi

export BUILDAH_FORMAT=docker # OCI images drop HEALTHCHECK
compose=${PARLEY_COMPOSE:-.venv/bin/podman-compose}
# The compose file requires a secret for the services it runs; a build uses none.
PARLEY_SECRET=${PARLEY_SECRET:-not-used-when-building} \
  "$compose" -p parley-images build kafka postgres gateway fn-chat >&2
say "images ready in $(($(date +%s) - started)) s"
printf '%s\n' "$env_lines" "$args"
