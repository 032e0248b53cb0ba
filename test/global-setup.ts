import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Starts the local stack when it is not up (`npm test` already did; a bare `npx vitest` may not have),
 * and gives the run one temporary folder: every test's report folders, configs and browser profiles
 * go under it (TMPDIR, read by os.tmpdir() in the workers), and it is removed at the end, whatever
 * the tests left. `OXPROV_KEEP_TMP=1` keeps it to look at after a failure.
 */
export default function setup(): () => void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  // The stack first: its servers outlive the run and must not keep a TMPDIR that is removed.
  if (process.env.OXPROV_SKIP_STACK !== '1') {
    // Eager, as scripts/test.sh starts it: most tests check mailboxes oxprov made (the on-demand test has its own stack).
    execFileSync(process.execPath, [path.join(root, 'bin/oxprov.js'), 'stack', 'up', '--mail-folders', 'eager', '--mail', 'dovecot'], { stdio: 'inherit' });
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-test-run-'));
  // Searchable by the servers' own users (postgres, mail): the fault tests' private stacks live under it.
  fs.chmodSync(tmp, 0o755);
  process.env.TMPDIR = tmp;
  return () => {
    if (process.env.OXPROV_KEEP_TMP === '1') process.stdout.write(`temporary files of the run kept in ${tmp}\n`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  };
}
