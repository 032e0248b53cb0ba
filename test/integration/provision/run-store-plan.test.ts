import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRunStore, type RunStore } from '../../../src/service/open-services.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * A sync's plan in the ledger (migrations/005_ledger_plan.sql), against the real
 * PostgreSQL: planned rows are read back a page at a time in source order, a
 * planned change keeps its payload until it has an outcome, and a resumed run
 * forgets what it planned and never sent, but never a password generated when a
 * row was sent before.
 */
const config = stackConfig();
let runs: RunStore;
beforeAll(async () => { runs = await openRunStore(config); });
afterAll(async () => { await runs?.close(); });

async function newRun(): Promise<string> {
  const id = uniqueName('plan');
  const lock = await runs.create({ id, kind: 'sync', mode: 'run', door: 'cli', startedBy: 'test', source: {}, options: {} });
  await lock.release();
  return id;
}

describe('the plan in the ledger', () => {
  it('reads planned rows of the asked actions in source order, a page at a time; an outcome drops the payload', async () => {
    const id = await newRun();
    await runs.write(id, Array.from({ length: 25 }, (_, i) => ({ item: `K${i}`, line: 100 - i, key: String(i), username: `u${i}`, action: i % 5 === 0 ? 'disable' : 'create', status: 'planned', plan: { n: i } })));
    const pages: number[][] = [];
    for await (const page of runs.planned(id, ['create'], 7)) pages.push(page.map((r) => (r.plan as { n: number }).n));
    expect(pages.map((p) => p.length)).toEqual([7, 7, 6]);
    // Source order: the highest i has the lowest line.
    expect(pages.flat()).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i).filter((i) => i % 5 !== 0));
    await runs.write(id, [{ item: 'K1', line: 99, status: 'started' }, { item: 'K2', line: 98, status: 'created' }]);
    const rows = new Map<string, unknown>();
    for await (const page of runs.ledger(id)) for (const r of page) rows.set(r.item, r.plan);
    expect([rows.get('K1'), rows.get('K2'), rows.get('K3')]).toEqual([{ n: 1 }, undefined, { n: 3 }]);
  });

  it('a resumed run forgets what it planned and never sent, but keeps a row whose password was generated when it was sent before', async () => {
    const id = await newRun();
    await runs.write(id, [
      { item: 'K1', line: 2, username: 'a', action: 'create', status: 'started', sealedPassword: 'sealed-a' },
      { item: 'K2', line: 3, username: 'b', action: 'create', status: 'planned', plan: {} },
    ]);
    // Planned again by a resumed run: the sealed password of the first attempt stays with the row.
    await runs.write(id, [{ item: 'K1', line: 2, username: 'a', action: 'update', status: 'planned', plan: {} }]);
    expect(await runs.dropPlanned(id)).toBe(1);
    const rows: { item: string; status: string; sealedPassword?: string; plan?: unknown }[] = [];
    for await (const page of runs.ledger(id)) rows.push(...page.map((r) => ({ item: r.item, status: r.status, sealedPassword: r.sealedPassword, plan: r.plan })));
    expect(rows).toEqual([{ item: 'K1', status: 'started', sealedPassword: 'sealed-a', plan: undefined }]);
  });
});
