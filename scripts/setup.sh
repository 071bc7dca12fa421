#!/usr/bin/env bash
# Installs everything Berth needs on a fresh Debian machine of this kind (as root), then builds it.
# Idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the C toolchain, busybox-static for test images, and the peers the tests and benchmarks
# drive or compare against (runc, crun, containerd, podman, dockerd; podman 4.3 refuses to start without
# netavark), and procps for `berth-runtime ps`. g++ and python3: npm builds better-sqlite3 (the metadata
# database) from source with node-gyp here. The registry tests run Debian's docker-registry (htpasswd from
# apache2-utils, token certs from openssl) with skopeo (and umoci in bench/pull.ts) as peers, and zstd
# layers go through the zstd binary. Networks use Debian's CNI plugins, iptables and util-linux's nsenter.
PACKAGES=(gcc g++ python3 make libc6-dev busybox-static runc crun containerd podman conmon netavark iproute2
  hyperfine docker.io procps docker-registry skopeo umoci zstd apache2-utils openssl
  containernetworking-plugins iptables util-linux docker-compose)
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
