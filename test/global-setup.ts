import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Starts the local stack when it is not up (`npm test` already did; a bare `npx vitest` may not have). */
export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  if (process.env.OXPROV_SKIP_STACK === '1') return;
  // Eager, as scripts/test.sh starts it: most tests check mailboxes oxprov made (the on-demand test has its own stack).
  execFileSync(process.execPath, [path.join(root, 'bin/oxprov.js'), 'stack', 'up', '--mail-folders', 'eager', '--mail', 'dovecot'], { stdio: 'inherit' });
}
