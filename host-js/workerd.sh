#!/usr/bin/env bash
# Scenario files inside workerd, on both entries of the package (the wasm-bindgen module,
# and the component under jco with JSPI):
#
#   bash host-js/workerd.sh SCENARIO...
#
# workerd has no file system, so the files are copied to target/chosen-scenarios and
# bundled into the test (test/chosen.scenarios.ts). Needs the wasm-bindgen build that
# `bash host-js/test.sh` makes; builds the component's (component.sh). vitest prints the
# verdicts; exits non-zero on a failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
chosen="${CARGO_TARGET_DIR:-$repo/target}/chosen-scenarios"
# shellcheck source=toolchain.sh
source "$here/toolchain.sh"
[ $# -gt 0 ] || { echo "usage: bash host-js/workerd.sh SCENARIO..." >&2; exit 2; }
if [ ! -f "$here/pkg/index_sync_js.js" ]; then
  echo "host-js: no wasm-bindgen build in host-js/pkg: run 'bash host-js/test.sh' once" >&2
  exit 1
fi
bash "$here/component.sh" build
rm -rf "$chosen"
mkdir -p "$chosen"
trap 'rm -rf "$chosen"' EXIT
cp "$@" "$chosen/"
js_toolchain
cd "$here"
npx vitest run -c vitest.chosen.config.ts
