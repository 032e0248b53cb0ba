import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config.js';

/** The local stack's settings (written by `oxprov stack up`, which the global setup runs). */
export function stackConfig(): Readonly<Config> {
  return loadConfig({ env: { ...process.env, OXPROV_CONFIG: undefined } });
}

/** A user name unique to this test run, so runs never collide on the shared stack. */
export function uniqueName(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`.toLowerCase();
}
