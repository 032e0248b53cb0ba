import { describe, expect, it } from 'vitest';
import { createRowMapper, inMemorySchema, parseMapping, STANDARD_ATTRIBUTES } from '../../../src/mapping/index.js';
import type { MapResult } from '../../../src/mapping/row-mapper.js';
import type { DirectoryUser } from '../../../src/provision/backends.js';
import { claimRows } from '../../../src/service/claim-rows.js';
import { fakeService } from '../../helpers/fake-backends.js';

/**
 * Derived names decided once, in file order, with one rule for clashes (the
 * iteration token): a clash with an earlier row or another person in the
 * directory advances one counter, and every derived unique value of the row is
 * computed again with it.
 */

const HEADER = ['Personalnummer', 'Vorname', 'Nachname', 'E-Mail'];
const mapping = (derive: Record<string, string>, columns: Record<string, string> = { Vorname: 'givenname', Nachname: 'surname', Personalnummer: 'employeeNumber' }) =>
  parseMapping({ columns, derive: { username: '{givenname|ascii|lower}.{surname|ascii|lower}', colocrouteaddr: '{username}@localhost', ...derive } });
const BY_USERNAME = mapping({ mail: '{username}@example.de' });
const BY_NAMES = mapping({ mail: '{givenname|ascii|lower}.{surname|ascii|lower}@example.de' });
const GIVEN_MAIL = mapping({}, { Vorname: 'givenname', Nachname: 'surname', Personalnummer: 'employeeNumber', 'E-Mail': 'mail' });

const person = (n: number, given: string, sur: string, mail = '') => ({ Personalnummer: String(n), Vorname: given, Nachname: sur, 'E-Mail': mail });
const holder = (username: string, mail: string, extra: Record<string, string[]> = {}): DirectoryUser =>
  ({ dn: `uid=${username},ou=people`, username, attributes: { uid: [username], mail: [mail], ...extra } });

async function decide(rows: Record<string, string>[], map: ReturnType<typeof parseMapping>, directoryUsers: DirectoryUser[] = [], identity: 'import' | 'sync' = 'import', existing: Record<number, string> = {}) {
  const { directory, users } = fakeService();
  for (const u of directoryUsers) directory.users.set(u.username.toLowerCase(), u);
  const mapper = createRowMapper({ languages: ['EN', 'DE'], schema: inMemorySchema(STANDARD_ATTRIBUTES), mapping: map, generatePasswords: true });
  mapper.header(HEADER);
  const prepared = rows.map((r, i) => mapper.prepare(r, i + 2));
  const lookups = () => directory.lookups;
  const before = lookups();
  const results = await claimRows(mapper, prepared, users.nameLookup(), (row) => (existing[row.line] ? { identity, existing: { username: existing[row.line] } } : { identity }));
  return { results, lookups: lookups() - before };
}

const names = (results: MapResult[]) => results.map((r) => (r.ok ? [r.spec.username, r.spec.mail, r.spec.colocrouteaddr] : r.errors.map((e) => e.code).join()));

describe('deciding derived names', () => {
  it('three namesakes with the mail derived from the user name: each keeps its own together', async () => {
    const { results } = await decide([person(1, 'Hans', 'Müller'), person(2, 'Hans', 'Mueller'), person(3, 'Hans', 'Müller')], BY_USERNAME);
    expect(names(results)).toEqual([
      ['hans.mueller', 'hans.mueller@example.de', 'hans.mueller@localhost'],
      ['hans.mueller2', 'hans.mueller2@example.de', 'hans.mueller2@localhost'],
      ['hans.mueller3', 'hans.mueller3@example.de', 'hans.mueller3@localhost'],
    ]);
    expect(results[1].notes.join(' ')).toContain('hans.mueller is already used on line 2; derived hans.mueller2 instead');
  });

  it('three namesakes with the mail derived from the names: the counter goes into the mail\'s local part too', async () => {
    const { results } = await decide([person(1, 'Hans', 'Müller'), person(2, 'Hans', 'Müller'), person(3, 'Hans', 'Müller')], BY_NAMES);
    expect(names(results)).toEqual([
      ['hans.mueller', 'hans.mueller@example.de', 'hans.mueller@localhost'],
      ['hans.mueller2', 'hans.mueller2@example.de', 'hans.mueller2@localhost'],
      ['hans.mueller3', 'hans.mueller3@example.de', 'hans.mueller3@localhost'],
    ]);
  });

  it('a template may place the counter itself', async () => {
    const { results } = await decide([person(1, 'Hans', 'Müller'), person(2, 'Hans', 'Müller')], mapping({ username: '{givenname|ascii|lower}{n}.{surname|ascii|lower}', mail: '{username}@example.de' }));
    expect(names(results)).toEqual([['hans.mueller', 'hans.mueller@example.de', 'hans.mueller@localhost'], ['hans2.mueller', 'hans2.mueller@example.de', 'hans2.mueller@localhost']]);
  });

  it('a clash with another person in the directory advances the counter, in both doors alike', async () => {
    const dir = [holder('hans.mueller', 'someone@else.de')];
    for (const identity of ['import', 'sync'] as const) {
      const { results } = await decide([person(1, 'Hans', 'Müller')], BY_USERNAME, dir, identity);
      expect(names(results)).toEqual([['hans.mueller2', 'hans.mueller2@example.de', 'hans.mueller2@localhost']]);
      expect(results[0].notes.join(' ')).toContain('belongs to another person in the directory');
    }
  });

  it('an address of the directory taken by another person advances the counter too', async () => {
    const { results } = await decide([person(1, 'Hans', 'Müller')], BY_NAMES, [holder('hmueller', 'hans.mueller@example.de')]);
    expect(names(results)).toEqual([['hans.mueller2', 'hans.mueller2@example.de', 'hans.mueller2@localhost']]);
  });

  it('a run again finds each namesake under the name it got, the second behind another person', async () => {
    const dir = [holder('hans.mueller', 'hans.mueller.lager@example.de'), holder('hans.mueller2', 'hans.mueller@example.de')];
    const { results } = await decide([person(1, 'Hans', 'Müller', 'hans.mueller@example.de')], GIVEN_MAIL, dir);
    expect(names(results)).toEqual([['hans.mueller2', 'hans.mueller@example.de', 'hans.mueller2@localhost']]);
    expect(results[0].ok && results[0].holder?.username).toBe('hans.mueller2');
  });

  it('a sync takes over only a user no feed manages, with the row\'s mail; a user of the feed is another person', async () => {
    const made = holder('hans.mueller2', 'hans.lager@example.de');
    const { results } = await decide([person(1, 'Hans', 'Müller', 'hans.m@example.de'), person(2, 'Hans', 'Müller', 'hans.lager@example.de')], GIVEN_MAIL,
      [holder('hans.mueller', 'hans.m@example.de', { oxprovFeed: ['hr'] }), made], 'sync', { 2: 'hans.mueller' });
    // Line 2 is hans.mueller (found by key); line 3 is the user the import made, taken over.
    expect(names(results)).toEqual([['hans.mueller', 'hans.m@example.de', 'hans.mueller@localhost'], ['hans.mueller2', 'hans.lager@example.de', 'hans.mueller2@localhost']]);
    expect(results[1].ok && results[1].holder?.username).toBe('hans.mueller2');
  });

  it('a person found by key keeps the user name; what derives from it follows it, and a derived mail taken by another gets the counter', async () => {
    const { results } = await decide([person(1, 'Anna', 'Wagner')], BY_NAMES, [holder('anna.wagner', 'anna.wagner@example.de')], 'sync', { 2: 'anna.schmidt' });
    expect(names(results)).toEqual([['anna.schmidt', 'anna.wagner2@example.de', 'anna.schmidt@localhost']]);
  });

  it('a user name given in a cell is the person\'s own: never changed, a clash is rejected naming the first line', async () => {
    const m = mapping({}, { Vorname: 'givenname', Nachname: 'surname', Personalnummer: 'username', 'E-Mail': 'mail' });
    const { results } = await decide([person(1, 'A', 'B', 'a@x.de'), person(1, 'C', 'D', 'c@x.de')], m);
    expect(results[1].ok).toBe(false);
    expect(!results[1].ok && results[1].errors[0]).toMatchObject({ code: 'MAP_DUPLICATE_USERNAME', line: 3 });
    expect(!results[1].ok && results[1].errors[0].message).toContain('line 2');
  });

  it('2,000 people on 80 name combinations all get names, against a directory that holds 40 of each: no cap, few look-ups', async () => {
    const first = ['Anna', 'Hans', 'Lukas', 'Maria', 'Thomas', 'Petra', 'Jan', 'Eva'];
    const last = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann'];
    const rows = Array.from({ length: 2000 }, (_, i) => person(i, first[i % 8], last[Math.floor(i / 8) % 10]));
    const dir: DirectoryUser[] = [];
    for (const f of first) for (const l of last) for (let k = 0; k < 40; k++) {
      const base = `${f.toLowerCase()}.${l.toLowerCase().replace('ü', 'ue')}`;
      dir.push(holder(k === 0 ? base : `${base}${k + 1}`, `other${dir.length}@else.de`));
    }
    const { results, lookups } = await decide(rows, BY_USERNAME, dir);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const all = results.map((r) => (r.ok ? r.spec.username : ''));
    expect(new Set(all).size).toBe(2000);
    // Every name is above the directory's 40: hans.mueller41 and on.
    expect(all.filter((n) => n.startsWith('hans.mueller')).sort()[0]).toBe('hans.mueller41');
    // One look-up of the first choices, then growing windows per stem: far fewer than one per row.
    expect(lookups).toBeLessThan(400);
  });
});

describe('a name of invisible characters is empty', () => {
  it.each([['tab', '\t'], ['no-break space', '\u00a0'], ['next line', '\u0085'], ['ideographic space', '\u3000'], ['zero-width space', '\u200b']])('a surname of only %s is missing', async (_what, blank) => {
    const { results } = await decide([person(1, 'Hans', `${blank}${blank}`)], BY_USERNAME);
    expect(!results[0].ok && results[0].errors.map((e) => [e.code, e.field])).toEqual(expect.arrayContaining([['MAP_MISSING_FIELD', 'Nachname']]));
  });
});
