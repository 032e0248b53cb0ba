// Runs one sync in its own process so that its peak RSS can be read: prints one JSON line.
import { runSync } from '../dist/run/sync-run.js';
import { Writable } from 'node:stream';

const [file, feed, report, ...flags] = process.argv.slice(2);
// The mail server makes the folders at the first login: the sync skips the mail step for new people.
if (flags.includes('--on-demand')) process.env.OXPROV_IMAP_FOLDERS = 'on-demand';
const quiet = new Writable({ write(_c, _e, done) { done(); } });
const t0 = performance.now();
const i = flags.indexOf('--max-disable');
const run = await runSync({ file, feed, report, maxDisable: i >= 0 ? flags[i + 1] : 0 }, { stdout: quiet, stderr: process.stderr });
const seconds = (performance.now() - t0) / 1000;
const counts = run.summary?.counts ?? {};
const rows = Object.values(counts).reduce((a, b) => a + b, 0);
process.stdout.write(`${JSON.stringify({ exitCode: run.exitCode, counts, seconds, rowsPerSecond: Math.round(rows / seconds), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
