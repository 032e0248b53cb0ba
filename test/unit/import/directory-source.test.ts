import { describe, expect, it } from 'vitest';
import { directoryColumns, MORE_ADDRESSES } from '../../../src/import/directory-mapping.js';
import { directorySource } from '../../../src/import/import-options.js';
import { parseMapping } from '../../../src/mapping/index.js';
import { parseLdif } from '../../../src/provision/ldap/load-ldif.js';

describe('the mapping of a directory source (the paper\'s ldap.properties)', () => {
  it('reads a plain inetOrgPerson without a mapping file', () => {
    const c = directoryColumns();
    expect(c.header[0]).toBe('dn');
    expect(c.attributes).toEqual(expect.arrayContaining(['uid', 'sn', 'givenName', 'mail', 'preferredLanguage', 'c', 'employeeNumber']));
    expect(c.mapping.columns.get('uid')).toEqual({ source: 'uid', target: 'username' });
    // No rule for colocrouteaddr: the user service derives it from the user's mail server.
    expect(c.mapping.derive.has('colocrouteaddr')).toBe(false);
    expect(c.mapping.ignore.has('dn')).toBe(true);
    // Further addresses go to the aliases through a column of their own.
    expect(c.aliasColumn).toBe(MORE_ADDRESSES);
    expect(c.mailAttribute).toBe('mail');
  });

  it('a mapping file names the company\'s own attributes instead; the built-in column of the same field goes', () => {
    const c = directoryColumns(parseMapping({ columns: { firstName: 'givenname', mailAlternateAddress: 'alias' }, ignore: ['title'], derive: { colocrouteaddr: '{username}@site2.example' } }));
    expect(c.attributes).toContain('firstName');
    expect(c.attributes).not.toContain('givenName');
    expect(c.attributes).not.toContain('title');
    expect(c.aliasColumn).toBe('mailAlternateAddress');
    expect(c.header).not.toContain(MORE_ADDRESSES);
    expect(c.mapping.derive.get('colocrouteaddr')!.template).toBe('{username}@site2.example');
  });
});

describe('--from-ldap options', () => {
  it('are checked once: a URL, a base, a scope, a filter', () => {
    expect(directorySource({})).toBeUndefined();
    expect(directorySource({ fromLdap: 'ldap://127.0.0.1:3389/', base: 'ou=company,dc=test,dc=tux' })).toMatchObject({ url: 'ldap://127.0.0.1:3389', scope: 'sub', filter: '(objectClass=inetOrgPerson)', inPlace: false });
    expect(() => directorySource({ fromLdap: 'http://x', base: 'o=x' })).toThrow(/ldap:\/\//);
    expect(() => directorySource({ fromLdap: 'ldap://x' })).toThrow(/--base/);
    expect(() => directorySource({ fromLdap: 'ldap://x', base: 'o=x', scope: 'base' })).toThrow(/one or sub/);
    expect(() => directorySource({ fromLdap: 'ldap://x', base: 'o=x', filter: 'objectClass=person' })).toThrow(/parentheses/);
    // No option is silently ignored.
    expect(() => directorySource({ base: 'o=x' })).toThrow(/--base belongs to --from-ldap/);
    expect(() => directorySource({ inPlace: true })).toThrow(/--in-place belongs to --from-ldap/);
  });
});

describe('parseLdif', () => {
  it('reads content records: base64 values, folded lines, comments', () => {
    const entries = parseLdif('version: 1\n# a comment\ndn: uid=a,o=x\nobjectClass: inetOrgPerson\nsn:: V2Vpw58=\ncn: a very long\n  name\n\ndn: uid=b,o=x\nsn: b\n');
    expect(entries).toEqual([
      { dn: 'uid=a,o=x', line: 3, attributes: { objectClass: ['inetOrgPerson'], sn: ['Weiß'], cn: ['a very long name'] } },
      { dn: 'uid=b,o=x', line: 9, attributes: { sn: ['b'] } },
    ]);
  });

  it('refuses change records and lines that are not LDIF', () => {
    expect(() => parseLdif('dn: o=x\nchangetype: modify\n')).toThrow(/ldapmodify/);
    expect(() => parseLdif('dn: o=x\nthis is not ldif\n')).toThrow(/line 2/);
  });
});
