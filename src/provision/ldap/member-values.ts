import { Attribute, Change } from 'ldapts';
import { list } from './entry-values.js';
import { ldapError, ldapResultCode } from './ldap-errors.js';
import type { LdapConnection } from './ldap-connection.js';

/**
 * Adds or removes many values of a multi-valued attribute (memberUid,
 * resourceMember) in one modify, whatever their number: an import of 100,000
 * users into one group is one modify per batch, not one per user. LDAP refuses
 * the whole modify when one value is already there (20) or already gone (16);
 * then the entry is read once and only the values that change are sent. Another
 * writer in between makes it try again. Returns the values that changed.
 * @throws LDAP_NO_SUCH_OBJECT when the entry does not exist.
 */
export async function changeValues(client: LdapConnection, dn: string, type: string, values: readonly string[], operation: 'add' | 'delete', what: string): Promise<string[]> {
  let pending = [...new Set(values)];
  for (let attempt = 0; pending.length > 0; attempt++) {
    try {
      await client.modify(dn, [new Change({ operation, modification: new Attribute({ type, values: pending }) })]);
      return pending;
    } catch (err) {
      const code = ldapResultCode(err);
      const conflict = operation === 'add' ? code === 20 : code === 16;
      if (!conflict || attempt >= 5) throw ldapError(err, `${operation === 'add' ? 'adding to' : 'removing from'} ${what}`);
    }
    const current = new Set(await readValues(client, dn, type, what));
    pending = pending.filter((v) => (operation === 'add' ? !current.has(v) : current.has(v)));
  }
  return [];
}

export async function readValues(client: LdapConnection, dn: string, type: string, what: string): Promise<string[]> {
  try {
    const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: [type] });
    return list(searchEntries[0]?.[type]).map(String);
  } catch (err) {
    throw ldapError(err, `reading ${what}`);
  }
}

/** The values of an attribute of an entry; none when the entry does not exist. */
export async function readValuesOrNone(client: LdapConnection, dn: string, type: string, what: string): Promise<string[]> {
  try {
    return await readValues(client, dn, type, what);
  } catch (err) {
    if (ldapResultCode(err) === 32) return [];
    throw err;
  }
}

/** Deletes an entry; `gone` when it was not there. */
export async function deleteEntry(client: LdapConnection, dn: string, what: string): Promise<'deleted' | 'gone'> {
  try {
    await client.del(dn);
    return 'deleted';
  } catch (err) {
    if (ldapResultCode(err) === 32) return 'gone';
    throw ldapError(err, `deleting ${what}`);
  }
}
