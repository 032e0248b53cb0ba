import { describe, expect, it } from 'vitest';
import { OxprovError } from '../../../src/errors.js';
import { directorySource } from '../../../src/import/import-options.js';
import { validateToolParams } from '../../../src/service/tools/tool-params.js';
import { combined } from '../../../src/service/tools/tool-result.js';

/** The tools' messages name the option of each problem, as the command line and the daemon show them. */
describe('tool messages', () => {
  it('one code per problem, each naming its option and the value given', () => {
    const e = combined([
      new OxprovError('MAP_INVALID_LANGUAGE', 'line 1: language must be one of EN, DE, FR', { field: 'language', value: 'IT' }),
      new OxprovError('MAP_INVALID_TIMEZONE', 'line 1: not an IANA time zone (e.g. Europe/Berlin)', { field: 'timezone', value: 'Europe/Berln' }),
      new OxprovError('MAP_INVALID_MODULE', 'line 1: unknown module "calender" (known: calendar, …)', { field: 'disable', value: 'calender' }),
    ]);
    expect(e.code).toBe('MAP_INVALID_LANGUAGE');
    expect(e.message).toBe('--language: language must be one of EN, DE, FR, got "IT"; MAP_INVALID_TIMEZONE: --timezone: not an IANA time zone (e.g. Europe/Berlin), got "Europe/Berln"; MAP_INVALID_MODULE: --disable: unknown module "calender" (known: calendar, …)');
  });

  it('a misspelt mandatory option that adduser took for an LDAP attribute is named: did you mean', () => {
    expect(() => validateToolParams('adduser', { adminuser: 'a', adminpasswd: 'b', usrname: 'x', password: 'Pw-12345678', surname: 'S', mail: 'x@y.de' }))
      .toThrow('missing mandatory option --username (--usrname was given: did you mean --username?)');
  });

  it('--from-ldap given empty is said so, not "not given"', () => {
    expect(() => directorySource({ fromLdap: '', base: 'ou=x' })).toThrow(/--from-ldap is empty/);
    expect(() => directorySource({ base: 'ou=x' })).toThrow(/--base belongs to --from-ldap, which is not given/);
  });
});
