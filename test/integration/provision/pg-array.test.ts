import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgArray } from '../../../src/provision/sql/pg-array.js';
import { stackConfig } from '../../helpers/stack-config.js';

/**
 * Arrays written as literals by pgArray come back from the stack's PostgreSQL as the
 * values they were, the awkward ones included, and the arrays it leaves to node-postgres
 * are exactly those whose JSON text the literal would read otherwise.
 */
const client = new pg.Client({ connectionString: stackConfig().sql.url });
beforeAll(() => client.connect());
afterAll(() => client.end());

/** The values of an array parameter as PostgreSQL reads it. */
async function roundTrip(param: unknown, type: string): Promise<unknown[]> {
  return (await client.query<{ a: unknown[] }>(`SELECT $1::${type}[] AS a`, [param])).rows[0].a;
}

describe('pgArray', () => {
  const awkward = ['plain', '', 'NULL', 'null', 'with "quotes"', 'back\\slash', 'ends with \\', '{braces}', 'a,b', '  spaced  ', 'Müller ß 😀', 'tab\tinside', 'new\nline', 'nul-free \u0001', 'lone \ud800', null, 'back\\nslash-n'];

  it('writes plain values as one literal, read back as they were', async () => {
    const values = ['plain', '', 'NULL', 'with "quotes"', 'back\\slash', 'ends with \\', '{braces}', 'a,b', '  spaced  ', 'Müller ß 😀', null];
    const literal = pgArray(values);
    expect(typeof literal).toBe('string');
    expect(await roundTrip(literal, 'text')).toEqual(values);
    expect(await roundTrip(pgArray([1, -2, 0, 2147483647, null]), 'int')).toEqual([1, -2, 0, 2147483647, null]);
    expect(await roundTrip(pgArray([true, false, null]), 'bool')).toEqual([true, false, null]);
    expect(await roundTrip(pgArray([]), 'text')).toEqual([]);
    expect(await roundTrip(pgArray([JSON.stringify({ ldap: 'exists', note: 'a "b" \\ c' })]), 'jsonb')).toEqual([{ ldap: 'exists', note: 'a "b" \\ c' }]);
  });

  it('leaves to node-postgres what its literal would read otherwise: every value still comes back as it was', async () => {
    for (const v of ['tab\tinside', 'new\nline', 'nul-free \u0001', 'lone \ud800', 'back\\nslash-n']) expect(pgArray(['x', v])).toEqual(['x', v]);
    expect(pgArray([{ a: 1 }])).toEqual([{ a: 1 }]);
    expect(pgArray([Number.NaN])).toEqual([Number.NaN]);
    // The lone surrogate is sent by node-postgres as UTF-8 can carry it: as U+FFFD.
    const back = await roundTrip(pgArray(awkward), 'text');
    expect(back).toEqual(awkward.map((v) => (v === 'lone \ud800' ? 'lone \ufffd' : v)));
  });
});
