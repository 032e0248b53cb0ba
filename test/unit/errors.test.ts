import { describe, expect, it } from 'vitest';
import { OxprovError, withoutTopology } from '../../src/errors.js';

/** What remote callers (the daemon, the page) are told of a back-end they cannot reach: decided by the error's field, not its code. */
describe('withoutTopology', () => {
  it('hides the address and DN of any error marked unreachable, whatever its code', () => {
    const lost = new OxprovError('SQL_FAILED', 'connection to 10.1.2.3:5432 lost during COPY (cn=admin,dc=corp)', { backend: 'sql', unreachable: true, transient: true });
    const shown = withoutTopology(lost) as OxprovError;
    expect(shown).toMatchObject({ code: 'SQL_FAILED', backend: 'sql', unreachable: true, transient: true, message: 'the sql server is not reachable from the admin daemon' });
  });

  it('keeps the message of an error that is not marked unreachable, even a *_CONNECT one', () => {
    const refused = new OxprovError('LDAP_CONNECT', 'bind as cn=oxprov,dc=corp refused: invalid credentials', { backend: 'ldap' });
    expect(withoutTopology(refused)).toBe(refused);
    const plain = new Error('not ours');
    expect(withoutTopology(plain)).toBe(plain);
  });
});
