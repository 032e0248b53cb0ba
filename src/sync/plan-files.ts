import fs from 'node:fs';
import path from 'node:path';
import { csvRow } from '../import/csv-write.js';
import { changeText, type AttributeChange } from '../model/attribute-change.js';
import { planCounts, type PlanEntry } from './sync-plan.js';

/** What a plan says, in the words of its files and its printed summary. */
export interface PlanSummary {
  readonly feed: string;
  readonly key: string;
  readonly file: string;
  readonly counts: ReturnType<typeof planCounts>;
  readonly deletions: number;
  /** The leaver threshold and whether the plan passes it. */
  readonly maxDisable: number;
  readonly blocked: boolean;
}

const changesText = (e: PlanEntry) => e.changes.map(changeText).join('; ');
/** A change as plan.json holds it: a password hash is never written, only that it moves. */
const changeJson = (c: AttributeChange) => ({ attribute: c.attribute, ...(c.op ? { op: c.op } : {}), ...(c.secret ? { secret: true, old: c.old.length ? ['(hidden)'] : [], new: c.new.length ? ['(hidden)'] : [] } : { old: c.old, new: c.new }) });

/** plan.json (counts and one entry per user) and plan.csv, in the report folder (0700, the files 0600). */
export function writePlanFiles(dir: string, summary: PlanSummary, entries: readonly PlanEntry[]): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const json = {
    feed: summary.feed, key: summary.key, file: summary.file, counts: summary.counts, deletions: summary.deletions,
    maxDisable: summary.maxDisable, blocked: summary.blocked,
    entries: entries.map((e) => ({
      action: e.action, line: e.line, key: e.key, username: e.username,
      changes: e.changes.map(changeJson),
      errors: e.errors.map((x) => ({ code: x.code, field: x.field, value: x.value, message: x.message })),
      notes: e.notes,
    })),
  };
  fs.writeFileSync(path.join(dir, 'plan.json'), `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
  const lines = [csvRow(['line', 'key', 'username', 'action', 'changes', 'error_code', 'message', 'notes'])];
  for (const e of entries) {
    lines.push(csvRow([e.line ?? '', e.key, e.username, e.action, changesText(e), e.errors.map((x) => x.code).join('|'), e.errors.map((x) => x.message).join(' | '), e.notes.join(' | ')]));
  }
  fs.writeFileSync(path.join(dir, 'plan.csv'), `${lines.join('\n')}\n`, { mode: 0o600 });
}

/**
 * plan.ldif: the LDAP changes of the plan for existing users (updates, users taken
 * over, leavers, returners, deletions), loadable with `ldapmodify`: exactly the
 * changes the apply writes. New users are not in it: their ids come from the id
 * pool when they are written, and they exist in the other back-ends too. A password
 * hash that moves (a leaver's, a returner's) is left out, being a secret: a comment
 * says where `oxprov sync` moves it.
 */
export function writePlanLdif(dir: string, entries: readonly PlanEntry[], names: Readonly<Record<string, string>> = {}): void {
  const out: string[] = [];
  // The directory's own names of the groupware attributes (`ldap.attributes`).
  const byLower = new Map(Object.entries(names).map(([k, v]) => [k.toLowerCase(), v]));
  const wire = (attr: string) => byLower.get(attr.toLowerCase()) ?? attr;
  const value = (attr: string, v: string) => (/^[\x20-\x7e]*$/.test(v) && !/^[ :<]/.test(v) && !v.endsWith(' ') ? `${attr}: ${v}` : `${attr}:: ${Buffer.from(v, 'utf8').toString('base64')}`);
  for (const e of entries) {
    if (!e.entry) continue;
    const dn = value('dn', e.entry.dn);
    if (e.action === 'delete') {
      out.push(`${dn}\nchangetype: delete\n`);
      continue;
    }
    const mods: string[][] = [];
    const comments: string[] = [];
    for (const c of e.changes) {
      const a = wire(c.attribute);
      if (c.secret) {
        comments.push(`# oxprov sync also ${c.new.length ? `puts a password hash into ${a}` : `takes the password hash out of ${a}`} (a secret: not in this file)`);
        continue;
      }
      if (c.op === 'add') mods.push([`add: ${a}`, ...c.new.map((v) => value(a, v))]);
      else mods.push(c.new.length ? [`replace: ${a}`, ...c.new.map((v) => value(a, v))] : [`delete: ${a}`]);
    }
    if (mods.length === 0) continue;
    out.push(`${comments.map((c) => `${c}\n`).join('')}${dn}\nchangetype: modify\n${mods.map((m) => m.join('\n')).join('\n-\n')}\n-\n`);
  }
  fs.writeFileSync(path.join(dir, 'plan.ldif'), out.join('\n'), { mode: 0o600 });
}

/** The printed plan: the counts and the first changes. */
export function renderPlan(summary: PlanSummary, entries: readonly PlanEntry[], shown = 12): string {
  const c = summary.counts;
  const pad = (v: number) => String(v).padStart(7);
  const lines = [
    `plan of feed ${summary.feed} (key ${summary.key}) from ${summary.file}`,
    `  create    ${pad(c.create)}`,
    `  update    ${pad(c.update)}`,
    `  disable   ${pad(c.disable)}   (leavers; at most ${summary.maxDisable} without --max-disable)`,
    `  enable    ${pad(c.enable)}   (returners)`,
    `  unchanged ${pad(c.unchanged)}`,
    `  rejected  ${pad(c.rejected)}`,
  ];
  if (summary.deletions) lines.push(`  delete    ${pad(summary.deletions)}   (leavers disabled for longer than --delete-leavers-after)`);
  const interesting = entries.filter((e) => e.action !== 'unchanged');
  if (interesting.length) lines.push('  first changes:');
  for (const e of interesting.slice(0, shown)) {
    const what = e.action === 'rejected' ? e.errors.map((x) => `${x.code}: ${x.message}`).join(' | ') : [changesText(e), ...e.notes].filter(Boolean).join(' | ');
    lines.push(`    ${e.line === undefined ? ' '.repeat(10) : `line ${String(e.line).padEnd(5)}`} ${e.action.padEnd(9)} ${e.username} (${e.key})${what ? `: ${what}` : ''}`);
  }
  if (interesting.length > shown) lines.push(`    … ${interesting.length - shown} more in plan.csv`);
  return `${lines.join('\n')}\n`;
}
