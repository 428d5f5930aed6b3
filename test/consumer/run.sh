#!/usr/bin/env bash
# The consumer test: installs the packed tarballs as a user would, outside the workspace, with no C compiler on PATH,
# and runs the README example (extracted from README.md, and checked identical to examples/readme.ts).
#
#   test/consumer/run.sh PACKS CASE     PACKS: the output of pack.sh; CASE, one of:
#     npm-node24    npm on Node 24: the prebuilt binary must be the one loaded (no source build), the example runs
#     npm-node22    the same on Node 22
#     npm-ignore-scripts  npm --ignore-scripts (a strict script policy): the prebuilt binary still works
#     pnpm-node24   pnpm 12 with allowBuilds approving the builds, on the `pnpm pack` tarballs
#     no-prebuild   platform-node repacked without the binary for this platform: the install succeeds with a
#                   warning, and NodeZmq.layer fails with ENODEV and a message that says what to do
#     source-build  the same tarball with a compiler given as CC with arguments: built from source at install
#                   against the headers the package ships, and the example runs
# Offline-ish: npm and pnpm prefer their caches. Each case takes 5-20 s.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
packs=$(cd "${1:?usage: run.sh PACKS CASE}" && pwd)
case=${2:?usage: run.sh PACKS CASE}
node24=$root/node_modules/node/bin/node
node22=$root/runtimes/node22/node_modules/node/bin/node
npm_cli=$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js
pnpm_bin=$(readlink -f "$(command -v pnpm)")
effect_version=$(node -p 'require(process.argv[1]).devDependencies.effect' "$root/packages/zmq/package.json")
host_dir=$(node -p 'process.platform + "-" + process.arch')

work=$(mktemp -d "${TMPDIR:-/tmp}/effect-zmq-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "consumer $case: FAILED: $*" >&2; exit 1; }

# A PATH with node (the chosen version), npm, pnpm and sh, and no C compiler.
make_path() { # node binary
  mkdir -p "$work/bin"
  ln -sf "$1" "$work/bin/node"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$1" "$npm_cli" > "$work/bin/npm"
  ln -sf "$pnpm_bin" "$work/bin/pnpm"
  ln -sf "$(command -v sh)" "$work/bin/sh"
  chmod +x "$work/bin/npm"
  for compiler in cc gcc clang c99 "${CC:-cc}"; do
    if PATH=$work/bin command -v "$compiler" >/dev/null 2>&1; then fail "a C compiler ($compiler) is on the test PATH"; fi
  done
}

# The README's example, as an ES module (it has no type annotations), which must equal examples/readme.ts.
extract_example() { # dir
  node - "$root" "$1" <<'JS'
const fs = require("node:fs"), path = require("node:path")
const [root, dir] = process.argv.slice(2)
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8")
const block = /```ts\n([\s\S]*?)```/.exec(readme)[1]
const example = fs.readFileSync(path.join(root, "examples/readme.ts"), "utf8").replace(/^\/\/.*\n/, "")
if (block !== example) {
  console.error("README.md's example and examples/readme.ts differ")
  process.exit(1)
}
fs.writeFileSync(path.join(dir, "readme.mjs"), block)
JS
}

new_project() { # dir
  mkdir -p "$1"
  printf '{ "name": "consumer", "private": true, "type": "module" }\n' > "$1/package.json"
  extract_example "$1"
}

tarball() { ls "$packs/$1"/effect-zmq-"$2"-*.tgz; }

npm_install() { # dir, tarball dir, extra npm args...
  local dir=$1 from=$2
  shift 2
  (cd "$dir" && PATH=$work/bin${PATH_EXTRA:+:$PATH_EXTRA} npm install --prefer-offline --no-audit --no-fund --foreground-scripts "$@" \
    "effect@$effect_version" "$(tarball "$from" core)" "$(tarball "$from" zmq)" "$platform_node") \
    > "$work/install.log" 2>&1 || { cat "$work/install.log"; fail "npm install exited $?"; }
  cat "$work/install.log"
}

run_example() { # dir, expected pattern
  (cd "$1" && timeout 60 env PATH="$work/bin" node readme.mjs) > "$work/run.log" 2>&1 || { cat "$work/run.log"; fail "the example exited $?"; }
  cat "$work/run.log"
  grep -q -- "$2" "$work/run.log" || fail "the example's output has no \"$2\""
}

uses_prebuild() { # dir
  local found
  found=$(cd "$1/node_modules/@effect-zmq/platform-node" && PATH=$work/bin node -p 'require("node-gyp-build").resolve(".")')
  echo "addon: $found"
  case $found in */prebuilds/"$host_dir"/*.node) ;; *) fail "the addon loaded is not the prebuilt binary: $found" ;; esac
  [ ! -e "$1/node_modules/@effect-zmq/platform-node/build" ] || fail "the install built from source"
}

platform_node=$(tarball npm platform-node)
project=$work/project
case $case in
  npm-node24 | npm-node22 | npm-ignore-scripts)
    if [ "$case" = npm-node22 ]; then make_path "$node22"; else make_path "$node24"; fi
    new_project "$project"
    if [ "$case" = npm-ignore-scripts ]; then npm_install "$project" npm --ignore-scripts; else npm_install "$project" npm; fi
    PATH=$work/bin node --version
    uses_prebuild "$project"
    run_example "$project" "hello"
    ;;
  pnpm-node24)
    make_path "$node24"
    new_project "$project"
    platform_node=$(tarball pnpm platform-node)
    # the tarballs stand for the registry: the packages' dependencies on each other resolve to them too
    # (a package from a tarball is approved by its name and location, one from the registry by its name)
    rel=$(node -p 'require("node:path").relative(process.argv[1], process.argv[2])' "$project" "$platform_node")
    printf 'allowBuilds:\n  "@effect-zmq/platform-node": true\n  "@effect-zmq/platform-node@file:%s": true\n  zeromq: true\noverrides:\n  "@effect-zmq/core": "file:%s"\n  "@effect-zmq/zmq": "file:%s"\n' \
      "$rel" "$(tarball pnpm core)" "$(tarball pnpm zmq)" > "$project/pnpm-workspace.yaml"
    (cd "$project" && PATH=$work/bin pnpm add --prefer-offline "effect@$effect_version" "$(tarball pnpm core)" \
      "$(tarball pnpm zmq)" "$platform_node") > "$work/install.log" 2>&1 || { cat "$work/install.log"; fail "pnpm add"; }
    cat "$work/install.log"
    uses_prebuild "$project"
    run_example "$project" "hello"
    ;;
  no-prebuild | source-build)
    make_path "$node24"
    # platform-node without the binaries for this platform, as on a platform the package has none for
    mkdir -p "$work/repack"
    tar -xzf "$platform_node" -C "$work/repack"
    rm -rf "$work/repack/package/prebuilds/$host_dir"
    mkdir -p "$work/repacked"
    platform_node=$work/repacked/$(basename "$platform_node")
    tar -czf "$platform_node" -C "$work/repack" package
    new_project "$project"
    if [ "$case" = no-prebuild ]; then
      npm_install "$project" npm
      grep -q "WARNING: no native addon" "$work/install.log" || fail "the install printed no warning"
      grep -q "no C compiler" "$work/install.log" || fail "the warning does not name the missing compiler"
      run_example "$project" "failed: ENODEV"
      grep -q "no native addon for $host_dir" "$work/run.log" || fail "the error does not say what is missing"
      grep -q "npm rebuild @effect-zmq/platform-node" "$work/run.log" || fail "the error does not say what to do"
    else
      # CC with arguments: a wrapper word before the compiler, as in CC="ccache gcc"; gcc's dir (as, ld) on PATH
      mkdir -p "$work/wrap"
      printf '#!/bin/sh\nexec "$@"\n' > "$work/wrap/wrap"
      chmod +x "$work/wrap/wrap"
      gcc_dir=$(dirname "$(command -v gcc)")
      CC="$work/wrap/wrap gcc" PATH_EXTRA=$gcc_dir npm_install "$project" npm
      grep -q "built .*build/Release/effect_zmq.node from source" "$work/install.log" || fail "no source build"
      run_example "$project" "hello"
    fi
    ;;
  *) fail "unknown case" ;;
esac
echo "consumer $case: passed"
