import { describe, expect, it } from 'vitest';
import { newRunKeyPair, Opener, Sealer } from '../../../src/ledger/seal.js';
import { fromPayload, toPayload } from '../../../src/sync/plan-payload.js';
import type { PlanEntry } from '../../../src/sync/sync-plan.js';

/** A planned change as the ledger keeps it until it is applied: its secrets sealed, its request whole again after. */
describe('the payload of a planned change', () => {
  const keys = newRunKeyPair();
  const sealer = new Sealer(keys.publicKey);
  const opener = new Opener(keys.privateKeyPem);
  const entry: PlanEntry = {
    action: 'create', line: 7, key: '1004', username: 'hans.mueller2', errors: [], notes: ['hans.mueller belongs to another person in the directory'],
    changes: [{ attribute: 'userPassword', old: ['{SSHA}old'], new: ['{SSHA}new'], secret: true }, { attribute: 'sn', old: ['Alt'], new: ['Müller'] }],
    input: {
      username: 'hans.mueller2', password: 'Own-Pass-2026!', passwordHash: '{SSHA}abcdefgh', surname: 'Müller', givenname: 'Hans', mail: 'hans.mueller2@firma.tux',
      aliases: [], disable: [], groups: ['staff'], attributes: { employeeNumber: ['1004'] }, derived: new Set(['username', 'mail']), managed: { feed: 'hr', key: '1004' },
    },
    repair: ['groupware folders missing: 2'],
  };

  it('holds no secret in clear: the password and the hash are sealed, changes are names only', () => {
    const payload = toPayload(entry, (s) => sealer.seal(s));
    const json = JSON.stringify(payload);
    for (const secret of ['Own-Pass-2026!', '{SSHA}abcdefgh', '{SSHA}old', '{SSHA}new']) expect(json).not.toContain(secret);
    expect(payload.changes).toEqual(['userPassword', 'sn']);
    expect(payload.input?.derived).toEqual(['username', 'mail']);
  });

  it('comes back as the same request, its secrets opened with the run key and its entry as read now', () => {
    const payload = JSON.parse(JSON.stringify(toPayload(entry, (s) => sealer.seal(s))));
    const back = fromPayload({ item: 'K1004', line: 7, key: '1004', username: 'hans.mueller2', action: 'create', status: 'planned', plan: payload }, (s) => opener.open(s), undefined);
    expect(back.input).toEqual(entry.input);
    expect(back.repair).toEqual(entry.repair);
    expect(back.notes).toEqual(entry.notes);
    expect(back.changes.map((c) => c.attribute)).toEqual(['userPassword', 'sn']);
  });

  it('refuses to apply a change whose sealed password cannot be opened (run.key gone), naming the user', () => {
    const payload = JSON.parse(JSON.stringify(toPayload(entry, (s) => sealer.seal(s))));
    expect(() => fromPayload({ item: 'K1004', username: 'hans.mueller2', action: 'create', status: 'planned', plan: payload }, () => undefined, undefined))
      .toThrow(/the plan of hans.mueller2 holds a sealed secret, and the run's key \(run.key\) is not there/);
  });
});
