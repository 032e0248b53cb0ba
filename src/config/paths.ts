import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The checkout or installed package root (the same depth from src/ and dist/). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Where the local stack keeps its servers' data: `.stack/` in the checkout, or
 * `OXPROV_STACK_DIR`. PostgreSQL and Dovecot run as their own users, which must
 * be able to walk down to it: a checkout under a private folder (e.g. /root)
 * gets its stack under /var/lib/oxprov-stack/ instead, one folder per checkout.
 */
export function stackDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OXPROV_STACK_DIR) return path.resolve(env.OXPROV_STACK_DIR);
  // Only root hands the servers to other users; anyone else runs them as themselves.
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || reachableByOthers(PACKAGE_ROOT)) return path.join(PACKAGE_ROOT, '.stack');
  const id = createHash('sha256').update(PACKAGE_ROOT).digest('hex').slice(0, 12);
  return path.join('/var/lib/oxprov-stack', `${path.basename(PACKAGE_ROOT)}-${id}`);
}

/** True when every folder from `/` down to `dir` lets other users through (o+x). */
function reachableByOthers(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      if ((fs.statSync(d).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (d === path.dirname(d)) return true;
  }
}

/** The settings file `stack up` writes and the CLI reads by default. */
export function stackConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stackDir(env), 'oxprov.json');
}
