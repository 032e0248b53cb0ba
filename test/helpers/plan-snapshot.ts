import type { Config } from '../../src/config/config.js';
import type { PlanEntry } from '../../src/sync/sync-plan.js';
import { withLdapAdmin } from './clients.js';

/** Every user entry that matches a filter, as the directory holds it: uid → lower-cased attribute → sorted values. */
export type EntrySnapshot = Map<string, Map<string, string[]>>;

/** Reads the entries of `filter` under the users' base (every user attribute, as stored). */
export async function snapshotEntries(config: Readonly<Config>, filter: string): Promise<EntrySnapshot> {
  return withLdapAdmin(config, async (c) => {
    const { searchEntries } = await c.search(config.ldap.usersBase, { scope: 'sub', filter: `(&(objectClass=posixAccount)${filter})`, attributes: ['*'] });
    const out: EntrySnapshot = new Map();
    for (const e of searchEntries) {
      const attrs = new Map<string, string[]>();
      for (const [k, v] of Object.entries(e)) {
        if (k === 'dn') continue;
        attrs.set(k.toLowerCase(), (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x))).sort());
      }
      out.set(String(attrs.get('uid')?.[0] ?? e.dn).toLowerCase(), attrs);
    }
    return out;
  });
}

/**
 * Every difference between two snapshots that the plan did not list: an attribute
 * changed on a user the plan left alone or whose changes do not name it, a new
 * value that is not the planned one, an entry created or deleted without a create or
 * a delete. Also every planned change that did not happen. Empty when the apply
 * wrote exactly the plan.
 */
export function unplannedChanges(before: EntrySnapshot, after: EntrySnapshot, plan: readonly PlanEntry[]): string[] {
  const byName = new Map(plan.map((e) => [e.username.toLowerCase(), e]));
  const problems: string[] = [];
  for (const [name, now] of after) {
    const was = before.get(name);
    const e = byName.get(name);
    if (was === undefined) {
      if (e?.action !== 'create') problems.push(`${name}: created without a create in the plan`);
      continue;
    }
    const planned = new Map((e?.changes ?? []).map((c) => [c.attribute.toLowerCase(), c]));
    for (const attr of new Set([...was.keys(), ...now.keys()])) {
      const a = was.get(attr) ?? [];
      const b = now.get(attr) ?? [];
      const c = planned.get(attr);
      const same = a.length === b.length && a.every((v, i) => v === b[i]);
      if (same) {
        if (c && !c.secret && c.op !== 'add') problems.push(`${name}: ${attr} planned ${JSON.stringify(c.new)} but unchanged`);
        continue;
      }
      if (!c) {
        problems.push(`${name}: ${attr} changed ${JSON.stringify(a)} → ${JSON.stringify(b)}, not in the plan`);
        continue;
      }
      const expected = c.op === 'add' ? [...new Set([...a, ...c.new])].sort() : [...c.new].sort();
      if (!c.secret && (expected.length !== b.length || expected.some((v, i) => v.toLowerCase() !== b[i].toLowerCase()))) {
        problems.push(`${name}: ${attr} became ${JSON.stringify(b)}, the plan said ${JSON.stringify(expected)}`);
      }
    }
  }
  for (const name of before.keys()) {
    if (!after.has(name) && byName.get(name)?.action !== 'delete') problems.push(`${name}: deleted without a delete in the plan`);
  }
  return problems;
}
