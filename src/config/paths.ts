import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The checkout or installed package root (the same depth from src/ and dist/). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the local stack keeps its servers' data; `OXPROV_STACK_DIR` moves it. */
export function stackDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.OXPROV_STACK_DIR ?? path.join(PACKAGE_ROOT, '.stack'));
}

/** The settings file `stack up` writes and the CLI reads by default. */
export function stackConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stackDir(env), 'oxprov.json');
}
