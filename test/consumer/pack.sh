#!/usr/bin/env bash
# Packs the three packages, as a release would, into OUT/npm (with `npm pack`) and OUT/pnpm (with `pnpm pack`).
# Each package's prepack builds it (tsc) and, for platform-node, vendors the headers and builds every prebuilt binary
# whose toolchain is installed. Usage: test/consumer/pack.sh OUT
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: pack.sh OUT}
mkdir -p "$out/npm" "$out/pnpm"
for pkg in core zmq platform-node; do
  (cd "$root/packages/$pkg" && npm pack --silent --pack-destination "$out/npm" >/dev/null)
  (cd "$root/packages/$pkg" && pnpm pack --pack-destination "$out/pnpm" >/dev/null)
done
# the workspace's package.json files are back as they were (postpack)
if ! git -C "$root" diff --quiet -- packages/*/package.json; then
  echo "pack.sh: a package.json was left rewritten" >&2
  exit 1
fi
ls -l "$out/npm" "$out/pnpm"
