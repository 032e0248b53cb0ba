import type { Config } from '../../config/config.js';
import { OxprovError } from '../../errors.js';
import type { ServiceSetup } from '../open-services.js';
import { checkAdmin } from './admin-auth.js';
import { AdminSessions } from './admin-sessions.js';
import {
  addgroup, addmembers2group, addmembers2resgroup, addresource, addresourcegroup, delgroup, delmembersfromgroup,
  delmembersfromresgroup, delresource, delresourcegroup,
} from './group-tools.js';
import type { ToolCaller, ToolName } from './tool-contract.js';
import type { ToolHandler } from './tool-context.js';
import { validateToolParams } from './tool-params.js';
import { adduser, changepasswd, deluser, listusers, setquota, showuser } from './user-tools.js';

const HANDLERS: Readonly<Record<ToolName, ToolHandler>> = {
  adduser, deluser, changepasswd, setquota,
  addgroup, delgroup, addmembers2group, delmembersfromgroup,
  addresource, addresourcegroup, delresource, delresourcegroup, addmembers2resgroup, delmembersfromresgroup,
  showuser, listusers,
};

/** Options of {@link createAdminService}, for tests and the daemon: how the services are set up (e.g. a mail store that fails). */
export interface AdminServiceOptions {
  readonly setup?: ServiceSetup;
}

/**
 * The admin tools of the paper as one service. The CLI (in process) and
 * `oxprov serve` (per XML-RPC call) are thin adapters over it; it is also where
 * a call's params are checked, once, for every door.
 *
 * Every call first binds as `uid=<adminuser>,<adminsDn>` with `adminpasswd` on
 * a connection of its own (ADMIN_AUTH before anything is touched), then works
 * through services whose directory connection is bound as that administrator.
 * Results never contain a password; "already there" and "already gone" are
 * results (`exists`, `gone`, `unchanged`), so every call can run twice.
 */
export function createAdminService(config: Readonly<Config>, options: AdminServiceOptions = {}): ToolCaller {
  const sessions = new AdminSessions(config, options.setup);
  return {
    async call(tool, params) {
      const handler = Object.hasOwn(HANDLERS, tool) ? HANDLERS[tool] : undefined;
      if (handler === undefined) throw new OxprovError('ADMIN_INVALID_REQUEST', `no admin tool named ${String(tool)}`);
      const checked = validateToolParams(tool, params);
      const admin = await checkAdmin(config, checked);
      return handler({ config, services: await sessions.get(admin) }, checked);
    },
    close: () => sessions.close(),
  };
}
