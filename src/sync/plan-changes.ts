import type { AttributeChange } from '../model/attribute-change.js';
import type { UserService } from '../service/user-service.js';
import { attribute, type PlanEntry } from './sync-plan.js';

/** Requests previewed at once: one bulk look-up per back-end each. */
const CHUNK = 1000;

export interface PlanChangeOptions {
  readonly feed: string;
  readonly today: string;
  readonly createGroups: boolean;
  readonly spread: boolean;
  readonly generatePasswords: boolean;
}

/**
 * Completes a plan with what its apply writes, computed by the code that writes
 * it: the user service's rules and the directory's change lists (a take-over's
 * feed and key, an update's attributes, a returner's or a leaver's access). A
 * request the rules refuse is rejected in the plan; a known person with nothing
 * to write is `unchanged`.
 */
export async function completePlan(entries: readonly PlanEntry[], users: UserService, options: PlanChangeOptions): Promise<PlanEntry[]> {
  const out = [...entries];
  const preview = async (indexes: number[], matchedByKey: boolean) => {
    for (let k = 0; k < indexes.length; k += CHUNK) {
      const part = indexes.slice(k, k + CHUNK);
      const previews = await users.preview(part.map((i) => out[i].input!), {
        onExisting: 'update', matchedByKey, createGroups: options.createGroups, spread: options.spread, generatePasswords: options.generatePasswords,
      });
      previews.forEach((p, j) => {
        const i = part[j];
        const e = out[i];
        if (p.result.status === 'rejected' || p.result.status === 'failed') {
          out[i] = { ...e, action: 'rejected', errors: p.result.errors, changes: [] };
          return;
        }
        const notes = [...e.notes, ...p.result.notes.filter((n) => !e.notes.includes(n))];
        if (e.action === 'create') {
          out[i] = { ...e, notes };
          return;
        }
        const entry = e.entry!;
        const changes = merge([
          ...(e.adopt ? users.manageChanges(entry, options.feed, e.key) : []),
          ...p.changes,
          ...(e.action === 'enable' ? users.enableChanges(entry, true, options.today) : []),
          // A finished user loses the mark of the run that left it unfinished.
          ...(attribute(entry, 'oxprovPending').length ? [{ attribute: 'oxprovPending', old: [...attribute(entry, 'oxprovPending')], new: [] }] : []),
        ]);
        const action = e.action === 'enable' ? 'enable' : changes.length || e.repair ? 'update' : 'unchanged';
        out[i] = { ...e, action, changes, notes };
      });
    }
  };
  await preview(out.flatMap((e, i) => (e.action === 'create' ? [i] : [])), false);
  await preview(out.flatMap((e, i) => (e.action === 'update' || e.action === 'enable' ? [i] : [])), true);
  for (let i = 0; i < out.length; i++) {
    const e = out[i];
    if (e.action === 'disable') out[i] = { ...e, changes: users.enableChanges(e.entry!, false, options.today) };
  }
  return out;
}

/** The changes of several writes to one entry as one list: the last value of an attribute wins, the first old value stays. */
function merge(changes: readonly AttributeChange[]): AttributeChange[] {
  const out: AttributeChange[] = [];
  for (const c of changes) {
    const i = c.op === 'add' ? -1 : out.findIndex((x) => x.op !== 'add' && x.attribute.toLowerCase() === c.attribute.toLowerCase());
    if (i < 0) out.push(c);
    else out[i] = { ...c, old: out[i].old };
  }
  return out.filter((c) => c.op === 'add' || c.old.length !== c.new.length || c.old.some((v, k) => v !== c.new[k]));
}
