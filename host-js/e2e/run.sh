#!/usr/bin/env bash
# The package checks that need more than workerd's test pool, each ending with one line
# `N passed, N failed` (scripts/test counts it):
#
#   host-js/e2e/run.sh packaging   npm pack, installed into a fresh Worker project: its tsc,
#                                  wrangler deploy --dry-run, and the seed's curl examples
#                                  answered under wrangler dev
#   host-js/e2e/run.sh push        index-sync push of a real folder to the example Worker
#                                  under wrangler dev: edits, search, a wrong token
#   host-js/e2e/run.sh mcp         the official MCP TypeScript SDK's Client drives
#                                  `index-sync mcp` over stdio on an indexed folder: tools
#                                  listed and called, locations checked against the files
#   host-js/e2e/run.sh mcp-remote  the same Client over Streamable HTTP drives the example
#                                  Worker's /mcp under wrangler dev, on a folder pushed by
#                                  `index-sync push`: the local server's tools, locations
#                                  checked against the files, another user, a wrong token
#
# Run after host-js/test.sh (which builds dist/ and pkg/); builds the CLI if needed.
# Everything comes from the npm registry and crates.io; a temporary folder is removed after.
set -euo pipefail
e2e=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
package=$(cd "$e2e/.." && pwd)
repo=$(cd "$package/.." && pwd)
here="$package" # toolchain.sh's name for host-js
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
# shellcheck source=../toolchain.sh
source "$package/toolchain.sh"
js_toolchain

which="${1:?packaging, push, mcp or mcp-remote}"
bundles="$target_dir/host-js-e2e"
mkdir -p "$bundles"
(cd "$package" && npx tsc --noEmit -p e2e/tsconfig.json)
# An ES module bundle has no `require`: CommonJS dependencies (the MCP SDK's cross-spawn)
# get Node's own.
"$package/node_modules/.bin/esbuild" "$e2e/$which.ts" --bundle --platform=node --format=esm \
  --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
  --outfile="$bundles/$which.mjs" --log-level=warning
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case "$which" in
  packaging)
    node "$bundles/packaging.mjs" --package "$package" --work "$work"
    ;;
  push)
    cargo build --quiet --manifest-path "$repo/Cargo.toml" -p index-sync-native --bin index-sync
    node "$bundles/push.mjs" --package "$package" --bin "$target_dir/debug/index-sync" \
      --folder "$repo/core/src" --work "$work"
    ;;
  mcp)
    cargo build --quiet --manifest-path "$repo/Cargo.toml" -p index-sync-native --bin index-sync
    node "$bundles/mcp.mjs" --bin "$target_dir/debug/index-sync" --folder "$repo/core/src" \
      --work "$work"
    ;;
  mcp-remote)
    cargo build --quiet --manifest-path "$repo/Cargo.toml" -p index-sync-native --bin index-sync
    node "$bundles/mcp-remote.mjs" --package "$package" --bin "$target_dir/debug/index-sync" \
      --folder "$repo/core/src" --work "$work"
    ;;
  *)
    echo "usage: $0 packaging|push|mcp|mcp-remote" >&2
    exit 2
    ;;
esac
