#!/usr/bin/env bash
# Installs the system packages Parley needs when they are missing (as root), or says how.
set -euo pipefail

missing=()
java_ok() {
  command -v java >/dev/null || return 1
  local v
  v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  [ -n "$v" ] && [ "$v" -ge 17 ]
}
java_ok || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
node_ok() {
  command -v node >/dev/null && command -v npm >/dev/null || return 1
  [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]
}
node_ok || missing+=(nodejs npm)
command -v python3 >/dev/null || missing+=(python3 python3-venv)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
command -v chromium >/dev/null || missing+=(chromium)
command -v openssl >/dev/null || missing+=(openssl)
# The container test (tests/containers): rootful Podman with runc (crun refuses hybrid cgroups
# here), netavark (which needs iptables), catatonit for `init: true`, debootstrap for the bases.
for tool in podman runc netavark:/usr/lib/podman/netavark aardvark-dns:/usr/lib/podman/aardvark-dns \
  iptables catatonit newuidmap:uidmap debootstrap; do
  name=${tool%%:*} package=${tool#*:}
  [ "$package" = "$tool" ] && package=$name
  case "$package" in
    /*) [ -x "$package" ] || missing+=("$name") ;;
    *) command -v "$name" >/dev/null || missing+=("$package") ;;
  esac
done

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing system packages: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
  echo "Parley needs these system packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
