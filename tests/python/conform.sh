#!/usr/bin/env bash
# The conformance scenarios on the engine component in Python's Wasmtime:
#
#   tests/python/conform.sh SCENARIO... [--compare RECORDS]
#
# Installs what it needs from the package registries only: a virtual environment in
# <repo>/tools/python (git-ignored; the machine's python3 -m venv) holding the `wasmtime`
# package at the version requirements.txt pins, from PyPI; builds the component
# (`cargo build -p index-sync-native`); then runs conform.py, which ends with
# `N passed, N failed`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv="$repo/tools/python"
stamp="$venv/.index-sync-requirements"

if [ ! -x "$venv/bin/python" ]; then
  echo "python host: creating $venv" >&2
  python3 -m venv "$venv"
fi
if ! cmp -s "$here/requirements.txt" "$stamp"; then
  echo "python host: pip install -r requirements.txt" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$stamp"
fi
cargo build --quiet --manifest-path "$repo/Cargo.toml" -p index-sync-native
component="${CARGO_TARGET_DIR:-$repo/target}/component-build/index_sync_engine.component.wasm"
exec "$venv/bin/python" "$here/conform.py" --component "$component" "$@"
