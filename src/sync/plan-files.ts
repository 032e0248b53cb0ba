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
  /** Known people trusted as the last sync left them (no back-end asked), and those compared all the same (`--verify`, the share). */
  readonly trust?: { readonly trusted: number; readonly verified: number };
}

const changesText = (e: PlanEntry) => e.changes.map(changeText).join('; ');
/** A change as plan.json holds it: a password hash is never written, only that it moves. */
const changeJson = (c: AttributeChange) => ({ attribute: c.attribute, ...(c.op ? { op: c.op } : {}), ...(c.secret ? { secret: true, old: c.old.length ? ['(hidden)'] : [], new: c.new.length ? ['(hidden)'] : [] } : { old: c.old, new: c.new }) });

/** An entry as plan.json holds it. */
const jsonEntry = (e: PlanEntry) => ({
  action: e.action, line: e.line, key: e.key, username: e.username,
  changes: e.changes.map(changeJson),
  errors: e.errors.map((x) => ({ code: x.code, field: x.field, value: x.value, message: x.message })),
  notes: e.notes,
});

const CSV_HEADER = csvRow(['line', 'key', 'username', 'action', 'changes', 'error_code', 'message', 'notes']);
const csvLine = (e: PlanEntry) => csvRow([e.line ?? '', e.key, e.username, e.action, changesText(e), e.errors.map((x) => x.code).join('|'), e.errors.map((x) => x.message).join(' | '), e.notes.join(' | ')]);

/**
 * The plan's files in the report folder (0700, the files 0600), written as the plan
 * is made, a part at a time, so that a plan of a million people is never held whole:
 * plan.csv, plan.json (its counts first, then one entry per person) and, when
 * asked, plan.ldif. {@link close} writes the counts, known at the end.
 */
export class PlanFileWriter {
  private readonly csv: number;
  private readonly entriesFile: string;
  private readonly entries: number;
  private readonly ldif?: number;
  private readonly wire: (attr: string) => string;
  private jsonCount = 0;
  private ldifCount = 0;

  constructor(private readonly dir: string, options: { ldif?: boolean; names?: Readonly<Record<string, string>> } = {}) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.csv = fs.openSync(path.join(dir, 'plan.csv'), 'w', 0o600);
    fs.writeSync(this.csv, `${CSV_HEADER}\n`);
    this.entriesFile = path.join(dir, '.plan-entries.json');
    this.entries = fs.openSync(this.entriesFile, 'w', 0o600);
    if (options.ldif) this.ldif = fs.openSync(path.join(dir, 'plan.ldif'), 'w', 0o600);
    // The directory's own names of the groupware attributes (`ldap.attributes`).
    const byLower = new Map(Object.entries(options.names ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    this.wire = (attr: string) => byLower.get(attr.toLowerCase()) ?? attr;
  }

  /** Entries of the plan, in plan order. */
  add(entries: readonly PlanEntry[]): void {
    if (entries.length === 0) return;
    fs.writeSync(this.csv, entries.map((e) => `${csvLine(e)}\n`).join(''));
    // One line per entry, as `jq -c` prints it: indenting every entry over ten lines was a twentieth of an unchanged sync's time.
    fs.writeSync(this.entries, entries.map((e) => `${this.jsonCount++ ? ',\n' : '\n'}    ${JSON.stringify(jsonEntry(e))}`).join(''));
    if (this.ldif !== undefined) {
      const blocks = entries.map((e) => ldifBlock(e, this.wire)).filter((b): b is string => b !== undefined);
      if (blocks.length) fs.writeSync(this.ldif, blocks.map((b) => `${this.ldifCount++ ? '\n' : ''}${b}`).join(''));
    }
  }

  /** Writes plan.json with the counts and every entry, and closes the files. */
  close(summary: PlanSummary): void {
    fs.closeSync(this.csv);
    fs.closeSync(this.entries);
    if (this.ldif !== undefined) fs.closeSync(this.ldif);
    const head = JSON.stringify({
      feed: summary.feed, key: summary.key, file: summary.file, counts: summary.counts, deletions: summary.deletions,
      maxDisable: summary.maxDisable, blocked: summary.blocked, ...(summary.trust ? { trust: summary.trust } : {}), entries: [],
    }, null, 2);
    const out = fs.openSync(path.join(this.dir, 'plan.json'), 'w', 0o600);
    try {
      if (this.jsonCount === 0) {
        fs.writeSync(out, `${head}\n`);
      } else {
        fs.writeSync(out, `${head.slice(0, head.lastIndexOf('[]'))}[`);
        // The entries, copied a block at a time.
        const from = fs.openSync(this.entriesFile, 'r');
        const buf = Buffer.alloc(1 << 20);
        for (let n; (n = fs.readSync(from, buf, 0, buf.length, null)) > 0;) fs.writeSync(out, buf, 0, n);
        fs.closeSync(from);
        fs.writeSync(out, '\n  ]\n}\n');
      }
    } finally {
      fs.closeSync(out);
      fs.rmSync(this.entriesFile, { force: true });
    }
  }

  /** Closes the files without counts (the plan could not be finished): plan.json is not written. */
  abort(): void {
    for (const fd of [this.csv, this.entries, this.ldif]) if (fd !== undefined) try { fs.closeSync(fd); } catch { /* closed */ }
    fs.rmSync(this.entriesFile, { force: true });
  }
}

/**
 * An entry's block of plan.ldif: its LDAP changes, loadable with `ldapmodify`, exactly
 * the changes the apply writes (updates, users taken over, leavers, returners,
 * deletions). New users are not in it: their ids come from the id pool when they are
 * written, and they exist in the other back-ends too. A password hash that moves (a
 * leaver's, a returner's) is left out, being a secret: a comment says where `oxprov
 * sync` moves it.
 */
function ldifBlock(e: PlanEntry, wire: (attr: string) => string): string | undefined {
  const value = (attr: string, v: string) => (/^[\x20-\x7e]*$/.test(v) && !/^[ :<]/.test(v) && !v.endsWith(' ') ? `${attr}: ${v}` : `${attr}:: ${Buffer.from(v, 'utf8').toString('base64')}`);
  if (!e.entry) return undefined;
  const dn = value('dn', e.entry.dn);
  if (e.action === 'delete') return `${dn}\nchangetype: delete\n`;
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
  if (mods.length === 0) return undefined;
  return `${comments.map((c) => `${c}\n`).join('')}${dn}\nchangetype: modify\n${mods.map((m) => m.join('\n')).join('\n-\n')}\n-\n`;
}

/** The printed plan: the counts and the first changes (`first`: the plan's first entries that are not unchanged, `changed`: how many there are). */
export function renderPlan(summary: PlanSummary, first: readonly PlanEntry[], changed: number, shown = 12): string {
  const c = summary.counts;
  const pad = (v: number) => String(v).padStart(7);
  const lines = [
    `plan of feed ${summary.feed} (key ${summary.key}) from ${summary.file}`,
    `  create    ${pad(c.create)}`,
    `  update    ${pad(c.update)}`,
    `  disable   ${pad(c.disable)}   (leavers; at most ${summary.maxDisable} without --max-disable)`,
    `  enable    ${pad(c.enable)}   (returners)`,
    `  unchanged ${pad(c.unchanged)}${summary.trust ? `   (${summary.trust.trusted} trusted as the last sync left them, no back-end asked; ${summary.trust.verified} compared all the same)` : ''}`,
    `  rejected  ${pad(c.rejected)}`,
  ];
  if (summary.deletions) lines.push(`  delete    ${pad(summary.deletions)}   (leavers disabled for longer than --delete-leavers-after)`);
  if (changed) lines.push('  first changes:');
  for (const e of first.slice(0, shown)) {
    const what = e.action === 'rejected' ? e.errors.map((x) => `${x.code}: ${x.message}`).join(' | ') : [changesText(e), ...e.notes].filter(Boolean).join(' | ');
    lines.push(`    ${e.line === undefined ? ' '.repeat(10) : `line ${String(e.line).padEnd(5)}`} ${e.action.padEnd(9)} ${e.username} (${e.key})${what ? `: ${what}` : ''}`);
  }
  if (changed > shown) lines.push(`    … ${changed - shown} more in plan.csv`);
  return `${lines.join('\n')}\n`;
}
