#!/usr/bin/env bash
# Installs the npm packages and builds the CLI when a fresh clone has neither.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
[ -f dist/cli/main.js ] && [ -z "$(find src -newer dist/cli/main.js -name '*.ts' -print -quit)" ] || npm run build --silent
# The web page's end-to-end tests drive Debian's Chromium (playwright-core never downloads a browser).
if [ ! -x /usr/bin/chromium ]; then
  sudo_=(); [ "$(id -u)" = 0 ] || sudo_=(sudo -n)
  "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
  "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
fi
# The workers' tests make hosts of their own: network namespaces and veth links (iproute2's `ip`).
if ! command -v ip >/dev/null 2>&1 && [ ! -x /usr/sbin/ip ] && [ ! -x /sbin/ip ]; then
  sudo_=(); [ "$(id -u)" = 0 ] || sudo_=(sudo -n)
  "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
  "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iproute2
fi
# npm 11 runs a project's own bin (`npx oxprov`) through a link it makes in its npx cache; the first
# call makes it. Made here, once, before tests call npx side by side: concurrent first calls have
# left a half-made cache entry (no package.json) that failed every later `npx oxprov` with ENOENT.
npx --yes oxprov --version >/dev/null 2>&1 || { rm -rf "$(npm config get cache)/_npx"; npx --yes oxprov --version >/dev/null; }
