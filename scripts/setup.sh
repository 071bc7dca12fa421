#!/usr/bin/env bash
# Installs everything Berth needs on a fresh Debian machine of this kind (as root), then builds it.
# Idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the C toolchain, busybox-static for test images, and the peers the tests and benchmarks
# drive or compare against (runc, crun, containerd, podman; podman 4.3 refuses to start without netavark).
PACKAGES=(gcc make libc6-dev busybox-static runc crun containerd podman conmon netavark iproute2 hyperfine
  containernetworking-plugins iptables util-linux)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -d node_modules || package.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
  touch node_modules/.package-lock.json
fi

npm run --silent build
