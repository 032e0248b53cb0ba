import { loadConfig } from '../../config/load-config.js';
import type { ToolCaller } from '../../service/tools/tool-contract.js';

/** Options of {@link createInProcessCaller}. */
export interface InProcessCallerOptions {
  /** `--config FILE`; without it loadConfig uses OXPROV_CONFIG or the local stack's settings. */
  readonly configFile?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The admin service in this process, talking to LDAP, SQL and IMAP itself.
 * Imported lazily so that a call through `--server` never loads the back-end
 * drivers.
 */
export async function createInProcessCaller(options: InProcessCallerOptions = {}): Promise<ToolCaller> {
  const config = loadConfig({ file: options.configFile, env: options.env });
  const { createAdminService } = await import('../../service/tools/admin-service.js');
  return await createAdminService(config);
}
