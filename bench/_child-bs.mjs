// Runs one import in its own process so that its peak RSS can be read: prints one JSON line.
import { runImport } from '../dist/run/import-run.js';
import { Writable } from 'node:stream';

const [file, ...flags] = process.argv.slice(2);
// The mail server makes the folders at the first login: the import skips the mail step.
if (flags.includes('--on-demand')) process.env.OXPROV_IMAP_FOLDERS = 'on-demand';
const quiet = new Writable({ write(_c, _e, done) { done(); } });
const options = file === '--resume'
  ? { file: '', resume: flags[0], progress: 'none' }
  : { file, dryRun: flags.includes('--dry-run'), createGroups: flags.includes('--create-groups'), spread: flags.includes('--spread'), progress: 'none', report: flags[flags.indexOf('--report') + 1], batchSize: process.env.BS ? Number(process.env.BS) : undefined, ...(process.env.VS ? { verifyShare: Number(process.env.VS) } : {}) };
const run = await runImport(options, { stdout: quiet, stderr: process.stderr });
const s = run.summary;
process.stdout.write(`${JSON.stringify({ exitCode: run.exitCode, rows: s?.rows, seconds: s?.seconds, rowsPerSecond: s?.rowsPerSecond, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
