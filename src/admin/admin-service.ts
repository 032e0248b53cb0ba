// TEMPORARY STUB, created by the CLI front so that in-process-caller.ts compiles.
// The provisioning engineer replaces this file with the real admin service.
import type { Config } from '../config/config.js';
import { OxprovError } from '../errors.js';
import type { ToolCaller } from './tool-contract.js';

/** The in-process admin service: performs each tool against LDAP, SQL and IMAP. */
export function createAdminService(_config: Readonly<Config>): ToolCaller {
  return {
    async call() {
      throw new OxprovError('ADMIN_INVALID_REQUEST', 'not implemented');
    },
    async close() {},
  };
}
