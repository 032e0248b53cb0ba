#!/usr/bin/env bash
# `npm test`: installs what is missing, starts the local stack (real slapd,
# PostgreSQL and Dovecot under .stack/), then runs unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
node bin/oxprov.js stack up
npx tsc -p tsconfig.json --noEmit
exec npx vitest run "$@"
