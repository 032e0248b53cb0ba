import type { Config } from '../../config/config.js';
import type { LdapDirectory } from '../../provision/ldap/ldap-directory.js';
import type { LdapGroups } from '../../provision/ldap/ldap-groups.js';
import type { Provisioner } from '../../provision/provisioner.js';
import type { SqlGroups } from '../../provision/sql/sql-groups.js';
import type { SqlResources } from '../../provision/sql/sql-resources.js';
import type { SqlStore } from '../../provision/sql/sql-store.js';
import type { ToolResult } from '../tool-contract.js';

/**
 * What a tool works with: the provisioning core bound as the calling
 * administrator (its LDAP connection is that admin's), SQL and the mail store
 * with the service's own credentials.
 */
export interface ToolContext {
  readonly config: Readonly<Config>;
  readonly prov: Provisioner;
  /** The directory, bound as the administrator named in the call. */
  readonly dir: LdapDirectory;
  readonly groups: LdapGroups;
  readonly sql: SqlStore;
  readonly sqlGroups: SqlGroups;
  readonly sqlResources: SqlResources;
}

/** One tool's work, after the administrator's credentials were checked. */
export type ToolHandler = (ctx: ToolContext, params: Readonly<Record<string, string>>) => Promise<ToolResult>;
