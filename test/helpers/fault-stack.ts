import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { LocalStack } from '../../src/stack/stack.js';

/**
 * A second local stack of its own (own folder, own ports) for tests that stop
 * and start servers: the shared stack must stay up for the test files running
 * beside them.
 */
export interface FaultStack {
  readonly stack: LocalStack;
  readonly config: Readonly<Config>;
  readonly env: NodeJS.ProcessEnv;
  down(): Promise<void>;
}

export async function startFaultStack(portBase: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<FaultStack> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-fault-'));
  fs.chmodSync(root, 0o755);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OXPROV_STACK_DIR: root,
    OXPROV_STACK_LDAP_PORT: String(portBase + 1),
    OXPROV_STACK_PG_PORT: String(portBase + 2),
    OXPROV_STACK_IMAP_PORT: String(portBase + 3),
    OXPROV_STACK_DOVEADM_PORT: String(portBase + 4),
    // The fault tests stop Dovecot under an import that makes folders; the on-demand test says so.
    OXPROV_STACK_MAIL_FOLDERS: 'eager',
    ...extraEnv,
  };
  const stack = new LocalStack(env);
  try {
    await stack.up();
  } catch (err) {
    // A start that failed half-way must not leave the servers it did start running (on the test's ports).
    await stack.down().catch(() => {});
    fs.rmSync(root, { recursive: true, force: true });
    throw err;
  }
  const config = loadConfig({ file: stack.configFile(), env: {} });
  return {
    stack, config, env,
    down: async () => {
      await stack.down();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
