#!/usr/bin/env bash
# publint and @arethetypeswrong/cli (ESM-only profile: node16 from ESM and bundler resolution must be green) on every
# tarball in DIR. Usage: test/consumer/lint.sh publint|attw DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tool=${1:?usage: lint.sh publint|attw DIR}
dir=${2:?usage: lint.sh publint|attw DIR}
status=0
for tarball in "$dir"/*.tgz; do
  echo "-- $tool $(basename "$tarball")"
  case $tool in
    publint) "$root/node_modules/.bin/publint" run --strict "$tarball" || status=1 ;;
    attw) "$root/node_modules/.bin/attw" --profile esm-only --format table-flipped "$tarball" || status=1 ;;
    *) echo "unknown tool $tool" >&2; exit 2 ;;
  esac
done
exit $status
