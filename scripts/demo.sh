#!/usr/bin/env bash
# `npm run demo`: installs what is missing, starts the local stack and runs the main job on it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
node bin/oxprov.js stack up
node bin/oxprov.js import samples/users.csv --create-groups "$@"
