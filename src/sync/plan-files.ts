import fs from 'node:fs';
import path from 'node:path';
import { csvRow } from '../import/csv-write.js';
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

const changesText = (e: PlanEntry) => e.changes.map((c) => `${c.attribute}: ${c.old.join('|') || '(none)'} → ${c.new.join('|') || '(none)'}`).join('; ');

/** plan.json (counts and one entry per user) and plan.csv, in the report folder (0700, the files 0600). */
export function writePlanFiles(dir: string, summary: PlanSummary, entries: readonly PlanEntry[]): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const json = {
    feed: summary.feed, key: summary.key, file: summary.file, counts: summary.counts, deletions: summary.deletions,
    maxDisable: summary.maxDisable, blocked: summary.blocked,
    entries: entries.map((e) => ({
      action: e.action, line: e.line, key: e.key, username: e.username,
      changes: e.changes.map((c) => ({ attribute: c.attribute, old: c.old, new: c.new })),
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
 * over, leavers, returners, deletions), loadable with `ldapmodify`. New users are
 * not in it: their ids come from the id pool when they are written, and they exist
 * in the other back-ends too. The one change left out is the move of a leaver's
 * password hash (a hash is a secret): a comment says where `oxprov sync` makes it.
 */
export function writePlanLdif(dir: string, entries: readonly PlanEntry[], today: string, feed: string, names: Readonly<Record<string, string>> = {}): void {
  const out: string[] = [];
  // The directory's own names of the groupware attributes (`ldap.attributes`).
  const byLower = new Map(Object.entries(names).map(([k, v]) => [k.toLowerCase(), v]));
  const wire = (attr: string) => byLower.get(attr.toLowerCase()) ?? attr;
  const enabledAttr = wire('mailEnabled');
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
    if (e.adopt) {
      if (!(e.entry.attributes.objectClass ?? []).some((c) => c.toLowerCase() === 'oxprovmanaged')) mods.push(['add: objectClass', 'objectClass: oxprovManaged']);
      mods.push(['replace: oxprovFeed', value('oxprovFeed', feed)], ['replace: oxprovKey', value('oxprovKey', e.key)]);
    }
    if (e.action === 'update' || e.action === 'enable') {
      for (const c of e.changes) {
        const a = wire(c.attribute);
        mods.push(c.new.length ? [`replace: ${a}`, ...c.new.map((v) => value(a, v))] : [`delete: ${a}`]);
      }
    }
    if (e.action === 'enable') {
      mods.push([`replace: ${enabledAttr}`, `${enabledAttr}: OK`], ['delete: oxprovDisabledAt']);
      comments.push('# oxprov sync also puts back the password hash kept in oxprovSavedPassword');
    }
    if (e.action === 'disable' && !e.repair) {
      mods.push([`replace: ${enabledAttr}`, `${enabledAttr}: NO`], ['replace: oxprovDisabledAt', `oxprovDisabledAt: ${today}`]);
      comments.push('# oxprov sync also moves the password hash from userPassword to oxprovSavedPassword (no bind)');
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
