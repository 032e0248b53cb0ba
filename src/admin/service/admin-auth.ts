import type { Config } from '../../config/config.js';
import { OxprovError, isOxprovError } from '../../errors.js';
import { LdapDirectory } from '../../provision/ldap/ldap-directory.js';
import { escapeDnValue } from '../../provision/ldap/ldap-escape.js';

/** The administrator of one call, once the directory has accepted the password. */
export interface AdminCredentials {
  readonly dn: string;
  readonly password: string;
}

/**
 * Binds as `uid=<adminuser>,<adminsDn>` with `adminpasswd` on a connection of
 * its own, before anything is read or written. An empty password is refused
 * here: LDAP treats a simple bind without password as anonymous and would
 * "succeed" (RFC 4513 §5.1.2).
 *
 * @throws OxprovError ADMIN_AUTH for missing or wrong credentials; LDAP_CONNECT when the directory is down.
 */
export async function checkAdmin(config: Readonly<Config>, params: Readonly<Record<string, string>>): Promise<AdminCredentials> {
  const user = params.adminuser?.trim();
  const password = params.adminpasswd;
  if (!user || !password) {
    throw new OxprovError('ADMIN_AUTH', 'the administrator\'s name and password (--adminuser, --adminpasswd) are needed', { field: user ? 'adminpasswd' : 'adminuser' });
  }
  const dn = `uid=${escapeDnValue(user)},${config.ldap.adminsDn}`;
  try {
    const dir = await LdapDirectory.connect(config, { bindDn: dn, bindPassword: password });
    await dir.close();
  } catch (err) {
    if (isOxprovError(err, 'LDAP_AUTH')) {
      throw new OxprovError('ADMIN_AUTH', `the directory refused administrator ${user}: wrong name or password`, { field: 'adminpasswd', cause: err });
    }
    throw err;
  }
  return { dn, password };
}
