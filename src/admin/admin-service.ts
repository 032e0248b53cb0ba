import type { Config } from '../config/config.js';
import { OxprovError } from '../errors.js';
import type { ProvisionerOptions } from '../provision/provisioner.js';
import { SqlGroups } from '../provision/sql/sql-groups.js';
import { SqlResources } from '../provision/sql/sql-resources.js';
import { checkAdmin } from './service/admin-auth.js';
import { adduser } from './service/adduser.js';
import { deluser } from './service/deluser.js';
import { addgroup, addmembers2group, delgroup, delmembersfromgroup } from './service/group-tools.js';
import { ProvisionerPool } from './service/provisioner-pool.js';
import {
  addmembers2resgroup, addresource, addresourcegroup, delmembersfromresgroup, delresource, delresourcegroup,
} from './service/resource-tools.js';
import type { ToolContext, ToolHandler } from './service/tool-context.js';
import { rejectUnknownParams } from './service/tool-params.js';
import { changepasswd, setquota } from './service/user-settings.js';
import type { ToolCaller, ToolName } from './tool-contract.js';

const HANDLERS: Readonly<Record<ToolName, ToolHandler>> = {
  adduser, deluser, changepasswd, setquota,
  addgroup, delgroup, addmembers2group, delmembersfromgroup,
  addresource, addresourcegroup, delresource, delresourcegroup, addmembers2resgroup, delmembersfromresgroup,
};

/** Options of {@link createAdminService}, for tests and the daemon. */
export interface AdminServiceOptions {
  /** Passed to every Provisioner the service opens (e.g. a mail store that fails, in tests). */
  readonly provisioner?: ProvisionerOptions;
}

/**
 * The in-process admin service: performs each tool of the paper on the
 * provisioning core. The CLI (in process) and `oxprov serve` (per XML-RPC
 * call) are thin adapters over it.
 *
 * Every call first binds as `uid=<adminuser>,<adminsDn>` with `adminpasswd`
 * on a connection of its own (ADMIN_AUTH before anything is touched), then
 * works through a Provisioner whose LDAP connection is bound as that
 * administrator; the Provisioner is kept for the service's lifetime.
 * Results never contain a password; "already there" and "already gone" are
 * results (`exists`, `gone`, `unchanged`), so every call can run twice.
 */
export function createAdminService(config: Readonly<Config>, options: AdminServiceOptions = {}): ToolCaller {
  const pool = new ProvisionerPool(config, options.provisioner);
  return {
    async call(tool, params) {
      const handler = Object.hasOwn(HANDLERS, tool) ? HANDLERS[tool] : undefined;
      if (handler === undefined) throw new OxprovError('ADMIN_INVALID_REQUEST', `no admin tool named ${String(tool)}`);
      const admin = await checkAdmin(config, params);
      rejectUnknownParams(tool, params);
      const prov = await pool.get(admin);
      const dir = prov.ldap;
      const sql = prov.sql;
      if (dir === undefined || sql === undefined) throw new OxprovError('CFG_INVALID', 'the admin service needs the LDAP and SQL back-ends');
      const ctx: ToolContext = {
        config, prov, dir, sql, groups: prov.groups(), sqlGroups: new SqlGroups(sql), sqlResources: new SqlResources(sql),
      };
      return handler(ctx, params);
    },
    close: () => pool.close(),
  };
}
