import type { LdapUser } from '../../provision/ldap/ldap-directory.js';

/** The first value of an attribute of an entry, its name compared without case (servers and configs spell names differently). */
export function entryAttribute(user: LdapUser, name: string): string | undefined {
  const key = Object.keys(user.attributes).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : user.attributes[key][0];
}
