import { describe, expect, it } from 'vitest';
import { OxprovError } from '../../../src/errors.js';
import { sqlAfterLdap } from '../../../src/admin/service/step-results.js';

describe('the SQL half of a group or resource tool', () => {
  it('passes its result through', async () => {
    expect(await sqlAfterLdap('addgroup', 'g', 'created', async () => 42)).toBe(42);
  });

  it('keeps the code of a failure and says what LDAP already did', async () => {
    const failing = () => Promise.reject(new OxprovError('SQL_CONNECT', 'database down', { backend: 'sql', transient: true }));
    const err = await sqlAfterLdap('addgroup', 'staff', 'created', failing).catch((e: unknown) => e as OxprovError);
    expect(err).toMatchObject({ code: 'SQL_CONNECT', backend: 'sql', transient: true });
    expect(err.message).toContain('done: ldap created');
  });
});
