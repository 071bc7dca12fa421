#!/usr/bin/env bash
# Berth's main job, from a fresh machine: build a busybox bundle and run it with berth-runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bundle=$(mktemp -d /tmp/berth-demo.XXXXXX)
trap 'rm -rf "$bundle"' EXIT
node build/scripts/make-bundle.js "$bundle" sh -c 'echo "hello from a berth container: $(hostname), pid $$"; id'
exec dist/berth-runtime run --bundle "$bundle" "berth-demo-$$"
