#!/usr/bin/env bash
# Berth's main job, from a fresh machine: start berthd with its embedded defaults (data in /var/lib/berth,
# the API on /run/berth/berth.sock), load the busybox image built from Debian's busybox-static (there is
# no registry to pull from offline), and run a container through the berth CLI. A berthd this script
# started is stopped again at the end (its containers would outlive it; this one is --rm).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
work=$(mktemp -d /tmp/berth-demo.XXXXXX)
berthd_pid=
cleanup() {
  if [ -n "$berthd_pid" ]; then
    kill -TERM "$berthd_pid" 2>/dev/null || true
    wait "$berthd_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
if ! dist/berth version >/dev/null 2>&1; then
  dist/berthd 2>"$work/berthd.log" &
  berthd_pid=$!
  for _ in $(seq 1 100); do
    dist/berth version >/dev/null 2>&1 && break
    if ! kill -0 "$berthd_pid" 2>/dev/null; then
      cat "$work/berthd.log" >&2
      exit 1
    fi
    sleep 0.1
  done
fi
dist/berth load -i "$(node build/scripts/make-image.js "$work/image")"
dist/berth run --rm --name "berth-demo-$$" busybox \
  sh -c 'echo "hello from a berth container: $(hostname), pid $$"; id'
