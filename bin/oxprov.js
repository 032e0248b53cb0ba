#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci` through `prepare`).
import { main } from '../dist/cli/main.js';

// A reader that stops early (`oxprov sync … | head`) must not end a run half-way: its
// report, ledger and exit code still come; only what it prints is lost.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => { if (err?.code !== 'EPIPE') throw err; });
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err?.stack ?? String(err)); process.exitCode = 2; },
);
