import { describe, expect, it } from 'vitest';
import { codes, errorsOf, mapOne, specOf, VALID } from './helpers.js';

describe('row validation', () => {
  it('maps the paper\'s full adduser example', () => {
    const spec = specOf(mapOne({
      ...VALID, alias: 'Stephan.Martin@test.tux, S.Martin@test.tux', timezone: 'Europe/Berlin', language: 'de', country: 'DE',
      disable: 'bookmarks,forum,knowledge,pinboard,pinboard_public', globaladdressbook: 'yes', activated: 'no', changepasswd: 'Y',
      quotasize: '500', groups: 'sales, support', ox_user_create_imap_template: 'DE_Thunderbird', birthDay: '1984-01-01', homePhone: '012345.67890',
    }));
    expect(spec).toEqual({
      username: 'smtest', password: 'secret', surname: 'Martin', givenname: 'Stephan', mail: 'smtest@test.tux',
      aliases: ['Stephan.Martin@test.tux', 'S.Martin@test.tux'], colocrouteaddr: 'smtest@localhost', timezone: 'Europe/Berlin',
      language: 'DE', country: 'DE', disable: ['bookmarks', 'forum', 'knowledge', 'pinboard', 'pinboard_public'],
      globaladdressbook: true, activated: false, changepasswd: true, quotaMB: 500, groups: ['sales', 'support'],
      imapTemplate: 'DE_Thunderbird', attributes: { birthDay: ['1984-01-01'], homePhone: ['012345.67890'] },
    });
  });

  it('matches header names case-insensitively and trims header and values', () => {
    const spec = specOf(mapOne({ ' UserName ': '  smtest ', Password: 'secret', SURNAME: 'Martin ', Mail: 'smtest@test.tux', ColocRouteAddr: 'smtest@localhost' }));
    expect(spec.username).toBe('smtest');
    expect(spec.surname).toBe('Martin');
  });

  it('treats empty and blank cells as absent', () => {
    const spec = specOf(mapOne({ ...VALID, givenname: '  ', timezone: '', alias: ' , ' }));
    expect(spec.givenname).toBeUndefined();
    expect(spec.timezone).toBeUndefined();
    expect(spec.aliases).toEqual([]);
  });

  it('colocrouteaddr may be left out: the user service derives it from the user\'s mail server', () => {
    expect(specOf(mapOne({ ...VALID, colocrouteaddr: '' })).colocrouteaddr).toBeUndefined();
  });

  it('imapserver names the mail server, lower-cased; a name that cannot be one is refused', () => {
    expect(specOf(mapOne({ ...VALID, imapserver: 'Imap2' })).mailServer).toBe('imap2');
    expect(errorsOf(mapOne({ ...VALID, imapserver: 'imap 2' })).map((e) => [e.code, e.field])).toEqual([['MAP_INVALID_VALUE', 'imapserver']]);
  });

  it.each(['username', 'password', 'surname', 'mail'])('%s is mandatory', (field) => {
    const r = mapOne({ ...VALID, [field]: '' });
    expect(errorsOf(r).map((e) => [e.code, e.field])).toEqual([['MAP_MISSING_FIELD', field]]);
  });

  it('password is optional when passwords are generated', () => {
    expect(specOf(mapOne({ ...VALID, password: '' }, { generatePasswords: true })).password).toBeUndefined();
    expect(specOf(mapOne({ ...VALID }, { generatePasswords: true })).password).toBe('secret');
  });

  it('reports every problem of a row, not only the first', () => {
    const r = mapOne({
      username: '-bad', password: 'x', surname: '', mail: 'not-a-mail', colocrouteaddr: 'nowhere', alias: 'ok@test.tux,bad alias',
      timezone: 'Mars/Olympus', language: 'IT', country: 'Atlantis', disable: 'calendar,games', globaladdressbook: 'maybe',
      activated: 'ja', changepasswd: '2', quotasize: '-5', groups: 'ok,bad group', ox_user_create_imap_template: 'DE Standard', birthDay: '1989-12-32',
    });
    expect(codes(r).sort()).toEqual([
      'MAP_INVALID_ALIAS', 'MAP_INVALID_COUNTRY', 'MAP_INVALID_DATE', 'MAP_INVALID_FLAG', 'MAP_INVALID_FLAG', 'MAP_INVALID_FLAG',
      'MAP_INVALID_GROUP', 'MAP_INVALID_LANGUAGE', 'MAP_INVALID_MAIL', 'MAP_INVALID_MODULE', 'MAP_INVALID_QUOTA',
      'MAP_INVALID_TEMPLATE', 'MAP_INVALID_TIMEZONE', 'MAP_INVALID_USERNAME', 'MAP_INVALID_VALUE', 'MAP_MISSING_FIELD', 'MAP_WEAK_PASSWORD',
    ]);
    // A weak password is named, never quoted.
    expect(errorsOf(r).find((e) => e.code === 'MAP_WEAK_PASSWORD')).toMatchObject({ field: 'password', value: undefined });
    const errors = errorsOf(r);
    expect(errors.every((e) => e.line === 2)).toBe(true);
    expect(errors.find((e) => e.code === 'MAP_INVALID_MODULE')).toMatchObject({ field: 'disable', value: 'games' });
    expect(errors.find((e) => e.code === 'MAP_INVALID_ALIAS')).toMatchObject({ field: 'alias', value: 'bad alias' });
    expect(errors.find((e) => e.field === 'colocrouteaddr')?.code).toBe('MAP_INVALID_VALUE');
  });

  it.each([
    ['username', 'a'.repeat(65)], ['mail', `${'a'.repeat(60)}@${'b'.repeat(200)}.de`], ['surname', 'M'.repeat(257)], ['givenname', 'G'.repeat(257)],
  ])('%s over its length limit is MAP_TOO_LONG', (field, value) => {
    expect(codes(mapOne({ ...VALID, [field]: value }))).toEqual(['MAP_TOO_LONG']);
  });

  it('accepts values at the length limits', () => {
    expect(mapOne({ ...VALID, username: 'a'.repeat(64), surname: 'M'.repeat(256) }).ok).toBe(true);
  });

  it('refuses control characters in a one-line value', () => {
    expect(errorsOf(mapOne({ ...VALID, surname: 'Mar\ntin' }))[0]).toMatchObject({ code: 'MAP_INVALID_VALUE', field: 'surname' });
  });

  it('lower-cases modules, keeps repeated list items once and notes it', () => {
    const r = mapOne({ ...VALID, disable: 'Calendar, calendar ,WEBMAIL', alias: 'a@test.tux,A@test.tux' });
    expect(specOf(r).disable).toEqual(['calendar', 'webmail']);
    expect(specOf(r).aliases).toEqual(['a@test.tux']);
    expect(r.notes).toHaveLength(2);
  });

  it('drops the primary group users with a note', () => {
    const r = mapOne({ ...VALID, groups: 'users,sales' });
    expect(specOf(r).groups).toEqual(['sales']);
    expect(r.notes.join()).toMatch(/users/);
  });

  it('maps country names to codes and keeps time zone spelling canonical', () => {
    const spec = specOf(mapOne({ ...VALID, country: 'Frankreich', timezone: 'europe/paris' }));
    expect(spec.country).toBe('FR');
    expect(spec.timezone).toBe('Europe/Paris');
  });

  it('checks the folder style against the known styles when given', () => {
    const styles = ['EN_Standard', 'DE_Thunderbird'];
    expect(specOf(mapOne({ ...VALID, ox_user_create_imap_template: 'de_thunderbird' }, { imapStyles: styles })).imapTemplate).toBe('DE_Thunderbird');
    expect(codes(mapOne({ ...VALID, ox_user_create_imap_template: 'FR_Outlook' }, { imapStyles: styles }))).toEqual(['MAP_INVALID_TEMPLATE']);
  });

  it('accepts quota 0 and refuses fractions', () => {
    expect(specOf(mapOne({ ...VALID, quotasize: '0' })).quotaMB).toBe(0);
    expect(codes(mapOne({ ...VALID, quotasize: '1.5' }))).toEqual(['MAP_INVALID_QUOTA']);
  });
});
