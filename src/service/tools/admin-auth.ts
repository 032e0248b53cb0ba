import type { Config } from '../../config/config.js';
import { OxprovError } from '../../errors.js';
import { adminDn, checkBind } from '../../provision/open-backends.js';

/** The administrator of one call, once the directory has accepted the password. */
export interface AdminCredentials {
  readonly dn: string;
  readonly password: string;
}

/**
 * Binds as `uid=<adminuser>,<adminsDn>` with `adminpasswd` on a connection of
 * its own, before anything is read or written.
 * @throws OxprovError ADMIN_AUTH for missing or wrong credentials; LDAP_CONNECT when the directory is down.
 */
export async function checkAdmin(config: Readonly<Config>, params: Readonly<Record<string, string>>): Promise<AdminCredentials> {
  const user = params.adminuser?.trim();
  const password = params.adminpasswd;
  if (!user || !password) {
    throw new OxprovError('ADMIN_AUTH', 'the administrator\'s name and password (--adminuser, --adminpasswd) are needed', { field: user ? 'adminpasswd' : 'adminuser' });
  }
  const dn = adminDn(config, user);
  if (!(await checkBind(config, dn, password))) {
    throw new OxprovError('ADMIN_AUTH', `the directory refused administrator ${user}: wrong name or password`, { field: 'adminpasswd' });
  }
  return { dn, password };
}
