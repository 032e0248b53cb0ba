#!/usr/bin/env bash
# `npm test`: installs what is missing, starts the local stack (real slapd,
# PostgreSQL and Dovecot under .stack/), then runs unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
# The shared stack runs one Dovecot, eager (oxprov makes the folders): most tests check mailboxes oxprov made.
# test/integration/mail/folders-on-demand.test.ts runs a stack of its own on demand.
node bin/oxprov.js stack up --mail-folders eager --mail dovecot
npx tsc -p tsconfig.json --noEmit
results=$(mktemp)
trap 'rm -f "$results"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
# One plain closing line that any CI reads: "N passed, N failed".
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$results" || true
exit "$status"
