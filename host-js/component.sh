#!/usr/bin/env bash
# The engine component under jco: the very `.wasm` the Wasmtime host runs
# (target/component-build/index_sync_engine.component.wasm, built by
# `cargo build -p index-sync-native`), transpiled by the jco that package-lock.json pins.
#
#   bash host-js/component.sh build                          # transpile (when stale), build dist/, bundle
#   bash host-js/component.sh conform FILE... [--compare RECORDS]
#                                                            # scenarios on jco in Node
#   bash host-js/component.sh figures                        # gzipped size, instantiate time
#
# Two transpilations into pkg/ (git-ignored), both in jco's instantiation mode, so the host
# hands jco every core module compiled (Workers compile WebAssembly only at upload):
# - pkg/component: JSPI, for the `index-sync/component` entry in workerd. Every import may
#   suspend; the six methods that reach imports are async exports (jco 1.35 emits a syntax
#   error when the static constructor is named, and `create` reaches no import). modules.js
#   beside it imports each core module jco emitted as a module.
# - pkg/component-node: jco's synchronous mode, for Node (Node 22 lacks the JSPI API jco
#   uses), whose imports answer at once (overlapping requests: each on a thread of its own
#   whose imports block until the main thread answers, node/threaded.ts).
# `conform` and `figures` run bundles (esbuild) of host-js/node/ in Node 22. Installs what it
# needs from the npm registry only (toolchain.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
component="$target_dir/component-build/index_sync_engine.component.wasm"
bundles="$target_dir/host-js-component"
jco="$here/node_modules/.bin/jco"
# shellcheck source=toolchain.sh
source "$here/toolchain.sh"

say() { echo "component: $*" >&2; }

wit="index-sync:engine"
# The WIT package's version, read from the one place it is written (wit/engine.wit);
# ts/component/imports.ts's WIT_VERSION must equal it (test/imports.test.ts checks).
version=$(sed -n 's/^package index-sync:engine@\([0-9.]*\);$/\1/p' "$repo/wit/engine.wit")
[ -n "$version" ] || { echo "component: no package version in wit/engine.wit" >&2; exit 1; }
async_imports=()
for call in kv#get kv#put kv#delete kv#list ai#run vectorize#upsert vectorize#query vectorize#delete-by-ids \
  text-index#put text-index#query text-index#delete \
  coordinator#acquire coordinator#release coordinator#read-state coordinator#write-state \
  coordinator#charge coordinator#credit coordinator#usage; do
  async_imports+=("$wit/${call%%#*}@$version#${call#*#}")
done
async_exports=()
for method in init sync search remove usage status; do
  async_exports+=("$wit/operations@$version#[method]indexer.$method")
done

# transpile OUT_DIR ARGS...: jco into OUT_DIR unless it already holds this component
# transpiled by this jco with these arguments.
transpile() {
  local out="$1"
  shift
  local stamp
  stamp="$(sha256sum "$component" | cut -d' ' -f1) jco $("$jco" --version) $*"
  if [ "$(cat "$out/.stamp" 2>/dev/null || true)" = "$stamp" ]; then return; fi
  say "jco transpile -> ${out#"$repo"/}"
  rm -rf "$out"
  "$jco" transpile "$component" --out-dir "$out" --name engine --instantiation sync --quiet "$@"
  echo "$stamp" >"$out/.stamp"
}

# Imports every core module jco emitted as a module, by the name jco asks for it by.
write_module_list() {
  local out="$1" file n=0
  {
    echo "// Written by host-js/component.sh: the core modules jco emitted, imported as modules."
    for file in "$out"/*.wasm; do
      echo "import m$n from \"./$(basename "$file")\";"
      n=$((n + 1))
    done
    echo "export const coreModules = {"
    n=0
    for file in "$out"/*.wasm; do
      echo "  \"$(basename "$file")\": m$n,"
      n=$((n + 1))
    done
    echo "};"
  } >"$out/modules.js"
  echo "export declare const coreModules: Readonly<Record<string, WebAssembly.Module>>;" >"$out/modules.d.ts"
}

build() {
  js_toolchain
  say "building the component (cargo build -p index-sync-native)"
  cargo build --quiet --manifest-path "$repo/Cargo.toml" -p index-sync-native
  transpile "$here/pkg/component" --async-mode jspi --async-imports "${async_imports[@]}" --async-exports "${async_exports[@]}"
  write_module_list "$here/pkg/component"
  transpile "$here/pkg/component-node"
  # The package as it ships (dist/: JavaScript and .d.ts), which every test and host here
  # imports; it needs both the wasm-bindgen module's and jco's declarations, so it comes now.
  say "the package: tsc -p tsconfig.build.json -> dist/"
  rm -rf "$here/dist"
  (cd "$here" && npx tsc -p tsconfig.build.json)
  mkdir -p "$bundles"
  for entry in conform request-thread figures; do
    "$here/node_modules/.bin/esbuild" "$here/node/$entry.ts" --bundle --platform=node --format=esm \
      --outfile="$bundles/$entry.mjs" --log-level=warning
  done
}

case "${1:-}" in
  build)
    build
    ;;
  conform)
    shift
    build
    exec node "$bundles/conform.mjs" --modules "$here/pkg/component-node" "$@"
    ;;
  figures)
    build
    exec node "$bundles/figures.mjs" --modules "$here/pkg/component-node" --component "$component"
    ;;
  *)
    echo "usage: bash host-js/component.sh build | conform FILE... [--compare RECORDS] | figures" >&2
    exit 2
    ;;
esac
