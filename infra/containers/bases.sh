#!/usr/bin/env bash
# Base images built locally, for machines that cannot pull from a registry (like Parley's CI).
#
#   infra/containers/bases.sh            build what is missing or stale, print the build arguments
#   infra/containers/bases.sh --env      print the environment that selects this podman state
#
# Every Containerfile in infra/containers/ takes its base images as build arguments whose
# defaults are registry images; this script makes local stand-ins and prints the arguments that
# select them (`PYTHON_IMAGE=localhost/parley-base:py` and so on):
#
#   py    Debian bookworm (debootstrap --variant=minbase from the machine's Debian mirror) with
#         python3 and a venv at /opt/venv first on PATH (a pip like python:3.11-slim's); also the
#         DEBIAN_IMAGE of the PostgreSQL image
#   java  py + openjdk-17-jre-headless + maven (MAVEN_IMAGE and JRE_IMAGE of the Kafka image)
#   node  py + this machine's Node.js (Debian's node is too old for the UI build)
#
# The machine's extra certificate authorities (/usr/local/share/ca-certificates) go into the
# bases, so builds reach PyPI, npm, Maven Central and Debian through the same proxy as the host.
# Those are specific to this machine: build the bases on the machine that uses them.
#
# Modes: the bases are built under umask 022 whatever the caller's (a parent that set 077 once
# made /opt/venv 0700, and every container running as its own user crash-looped), and build_py
# refuses a rootfs with files its users cannot read.
#
# All podman state (images, containers, volumes, networks) lives in PARLEY_CONTAINERS_HOME
# (default ~/.cache/parley/containers), never in the system's /var/lib/containers. A base is
# rebuilt only when its recipe changed: this whole script (so any change to how a base is made,
# its modes included, invalidates every base built before it), the CA certificates, the Node
# version. The hash is the image's `parley.recipe` label.
set -euo pipefail
umask 022

HOME_DIR=${PARLEY_CONTAINERS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/parley/containers}
MIRROR=${PARLEY_DEBIAN_MIRROR:-}
say() { echo "bases.sh: $*" >&2; }

setup_state() {
  mkdir -p "$HOME_DIR/storage" "$HOME_DIR/run" "$HOME_DIR/networks" "$HOME_DIR/tmp"
  # runc (crun refuses this kind of host's hybrid cgroups), cgroupfs and file events (no
  # systemd), and ulimits the process may set (podman's defaults exceed the hard limits here).
  cat >"$HOME_DIR/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$HOME_DIR/tmp"
[network]
network_backend = "netavark"
network_config_dir = "$HOME_DIR/networks"
CONF
  cat >"$HOME_DIR/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$HOME_DIR/storage"
runroot = "$HOME_DIR/run"
CONF
  export CONTAINERS_CONF="$HOME_DIR/containers.conf"
  export CONTAINERS_STORAGE_CONF="$HOME_DIR/storage.conf"
}

if [ "${1:-}" = "--env" ]; then
  setup_state
  echo "export CONTAINERS_CONF=$CONTAINERS_CONF"
  echo "export CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF"
  exit 0
fi

command -v podman >/dev/null || { say "podman is missing: apt-get install -y podman runc netavark aardvark-dns iptables uidmap debootstrap"; exit 1; }
setup_state

mirror() {
  [ -n "$MIRROR" ] && { echo "$MIRROR"; return; }
  # The first Debian URI apt uses on this machine (deb822 or one-line format).
  local uri
  uri=$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  [ -n "$uri" ] || uri=$(sed -n 's/^deb \(http[^ ]*debian\)\/* bookworm .*/\1/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1)
  echo "${uri:-http://deb.debian.org/debian}"
}

recipe() {  # what a base is made from: this script, the CAs, the base's name, Node's version
  {
    echo "$1"
    cat "${BASH_SOURCE[0]}"
    cat /usr/local/share/ca-certificates/* 2>/dev/null || true
    if [ "$1" = node ]; then node --version; fi
  } | sha256sum | cut -c1-16
}

current() {  # is localhost/parley-base:$1 built from this recipe?
  [ "$(podman image inspect --format '{{index .Labels "parley.recipe"}}' "localhost/parley-base:$1" 2>/dev/null)" = "$(recipe "$1")" ]
}

ENVS=(PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  LANG=C.UTF-8 SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
  PIP_CERT=/etc/ssl/certs/ca-certificates.crt REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
  NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)

build_py() {
  command -v debootstrap >/dev/null || { say "debootstrap is missing: apt-get install -y debootstrap"; exit 1; }
  local root
  root=$(mktemp -d "$HOME_DIR/tmp/rootfs.XXXXXX")
  say "debootstrap bookworm from $(mirror) (about 40 s)"
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    bookworm "$root" "$(mirror)" >"$HOME_DIR/debootstrap.log" 2>&1 \
    || { tail -20 "$HOME_DIR/debootstrap.log" >&2; say "debootstrap failed (log above)"; exit 1; }
  cp /usr/local/share/ca-certificates/* "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$root" update-ca-certificates >/dev/null 2>&1
  chroot "$root" python3 -m venv /opt/venv
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  local unreadable
  unreadable=$(find "$root/opt/venv" "$root"/usr/lib/python3* "$root/usr/local" ! -perm -o+r -print -quit)
  [ -z "$unreadable" ] || { say "refusing a base whose users cannot read $unreadable"; exit 1; }
  local changes=(--change "LABEL parley.recipe=$(recipe py)" --change 'CMD ["/bin/bash"]')
  for e in "${ENVS[@]}"; do changes+=(--change "ENV $e"); done
  tar -C "$root" -c . | podman import -q "${changes[@]}" - localhost/parley-base:py >/dev/null
  rm -rf "$root"
}

build_from() {  # build_from NAME CONTEXT: a derived base from a Containerfile on stdin
  podman build -q --label "parley.recipe=$(recipe "$1")" -t "localhost/parley-base:$1" -f - "$2" >/dev/null
}

build_java() {
  local ctx
  ctx=$(mktemp -d "$HOME_DIR/tmp/java.XXXXXX")
  build_from java "$ctx" <<'FILE'
FROM localhost/parley-base:py
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      openjdk-17-jre-headless maven >/dev/null && rm -rf /var/lib/apt/lists/*
FILE
  rm -rf "$ctx"
}

build_node() {
  local ctx
  ctx=$(mktemp -d "$HOME_DIR/tmp/node.XXXXXX")
  cp "$(command -v node)" "$ctx/node"
  cp -r /usr/lib/node_modules/npm "$ctx/npm"
  build_from node "$ctx" <<'FILE'
FROM localhost/parley-base:py
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && node --version >/dev/null
FILE
  rm -rf "$ctx"
}

start=$(date +%s)
current py || { say "building localhost/parley-base:py"; build_py; }
pids=()
current java || { say "building localhost/parley-base:java"; build_java & pids+=($!); }
current node || { say "building localhost/parley-base:node"; build_node & pids+=($!); }
for pid in "${pids[@]}"; do wait "$pid" || { say "a base failed to build (above)"; exit 1; }; done
# The bases replaced by this run. Housekeeping only: an image still held by a build container
# (one a killed build left behind) stays, and says so, rather than failing the caller.
podman image prune -f >/dev/null 2>&1 || say "some unused images stay (held by leftover build containers: podman ps --external)"
say "bases ready in $(($(date +%s) - start)) s"
echo "PYTHON_IMAGE=localhost/parley-base:py"
echo "DEBIAN_IMAGE=localhost/parley-base:py"
echo "NODE_IMAGE=localhost/parley-base:node"
echo "JRE_IMAGE=localhost/parley-base:java"
echo "MAVEN_IMAGE=localhost/parley-base:java"
