import { escapeFilterValue } from '../../provision/ldap/ldap-escape.js';
import type { LdapDirectory } from '../../provision/ldap/ldap-directory.js';

/**
 * The directory's own spelling of each name that exists (lower-cased name →
 * spelling). LDAP matches `uid` and `cn` without case, but `memberUid` values
 * and SQL keys compare exactly, so members are written as the entry spells them.
 */
export async function findNames(dir: LdapDirectory, kind: 'user' | 'resource' | 'resourcegroup', names: readonly string[]): Promise<Map<string, string>> {
  const { peopleDn, resourcesDn } = dir.config.ldap;
  const [base, attr, objectClass] = kind === 'user'
    ? [peopleDn, 'uid', 'posixAccount']
    : [resourcesDn, 'cn', kind === 'resource' ? 'OXResourceObject' : 'OXResourceGroupObject'];
  const found = new Map<string, string>();
  for (let i = 0; i < names.length; i += 200) {
    const chunk = names.slice(i, i + 200);
    const wanted = new Set(chunk.map((n) => n.toLowerCase()));
    const terms = chunk.map((n) => `(${attr}=${escapeFilterValue(n)})`).join('');
    for (const e of await dir.search(base, `(&(objectClass=${objectClass})(|${terms}))`, [attr], `looking up ${kind} names`)) {
      const values = e[attr];
      for (const v of Array.isArray(values) ? values : [values]) {
        const s = String(v);
        if (wanted.has(s.toLowerCase())) found.set(s.toLowerCase(), s);
      }
    }
  }
  return found;
}

/** The names that do not exist, as given. */
export function missingNames(names: readonly string[], found: ReadonlyMap<string, string>): string[] {
  return names.filter((n) => !found.has(n.toLowerCase()));
}

/** Each name as the directory spells it, or as given when it has no entry. */
export function spelled(names: readonly string[], found: ReadonlyMap<string, string>): string[] {
  return names.map((n) => found.get(n.toLowerCase()) ?? n);
}
