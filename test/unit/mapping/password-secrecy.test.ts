import { describe, expect, it } from 'vitest';
import { errorsOf, mapOne, mapRows, VALID } from './helpers.js';

const SECRET = 'Geheim\u0001Passwort';

/** Everything an error carries that could end up in a report or a log. */
function exposed(e: Error & { value?: string; field?: string }): string {
  return [e.message, e.value ?? '', e.field ?? '', JSON.stringify(e), String(e.stack)].join('\n');
}

describe('password secrecy', () => {
  it('an invalid password is reported without its value', () => {
    const errors = errorsOf(mapOne({ ...VALID, password: SECRET }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'MAP_INVALID_VALUE', field: 'password' });
    expect(errors[0].value).toBeUndefined();
    for (const e of errors) expect(exposed(e)).not.toContain('Geheim');
  });

  it('a too long password is reported without its value', () => {
    const long = 'S3cr3t!'.repeat(40);
    const errors = errorsOf(mapOne({ ...VALID, password: long }));
    expect(errors.map((e) => e.code)).toEqual(['MAP_TOO_LONG']);
    expect(exposed(errors[0])).not.toContain('S3cr3t');
  });

  it('a password in a mapped column keeps its secrecy under the column\'s name', () => {
    const r = mapRows([{ ...VALID, password: '', Kennwort: `x${SECRET}` }].map(({ password: _p, ...rest }) => rest), {
      mappingJson: { columns: { Kennwort: 'password' } },
    })[0];
    const errors = errorsOf(r);
    expect(errors[0]).toMatchObject({ field: 'Kennwort' });
    expect(errors.map(exposed).join()).not.toContain('Geheim');
  });

  it('no error or note of a row with many problems mentions the password', () => {
    const r = mapOne({ ...VALID, password: 'hunter2', username: 'hunter2 x', mail: 'bad', timezone: 'hunter', birthDay: '1989-12-32' });
    const errors = errorsOf(r);
    expect(errors.length).toBeGreaterThan(2);
    const text = [...errors.map(exposed), ...r.notes].join('\n');
    expect(text.replace(/hunter2 x/g, '')).not.toContain('hunter2');
  });
});
