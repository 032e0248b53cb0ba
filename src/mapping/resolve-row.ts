import type { OxprovError } from '../errors.js';
import { MAX_LENGTH } from './fields.js';
import type { PlannedColumn } from './normalize-header.js';
import type { NormalizedOptions } from './normalize-options.js';
import { rowIssue } from './row-issue.js';
import type { Target } from './target.js';
import { renderTemplate } from './template.js';
import { USERNAME_RE } from './value-syntax.js';

/** A row's value for one target, with where it came from for messages. */
export interface ResolvedValue {
  target: Target;
  value: string;
  /** The column header for a cell, else the target's name. */
  field: string;
  origin: 'column' | 'derive' | 'default';
}

/**
 * Gives every target its value: the row's cell if not empty, else its derive
 * rule, else its default. Rules are resolved on demand, so a rule may use any
 * other target (derived ones included) in any order; the mapping file has no
 * cycles. A derived user name already used by an earlier row gets a numeric suffix.
 */
export function resolveRow(
  record: Readonly<Record<string, string | undefined>>,
  columns: readonly PlannedColumn[],
  opts: NormalizedOptions,
  line: number,
): { values: Map<string, ResolvedValue>; issues: OxprovError[]; notes: string[] } {
  const issues: OxprovError[] = [];
  const notes: string[] = [];
  const cells = new Map<string, ResolvedValue>();
  for (const c of columns) {
    const value = record[c.header]?.trim() ?? '';
    if (c.target !== undefined && value !== '') cells.set(c.target.key, { target: c.target, value, field: c.header, origin: 'column' });
  }
  const memo = new Map<string, ResolvedValue | undefined>();

  const resolve = (key: string): ResolvedValue | undefined => {
    if (memo.has(key)) return memo.get(key);
    let out = cells.get(key);
    const derive = opts.derive.get(key);
    if (out === undefined && derive !== undefined) {
      const rendered = renderTemplate(derive.rule.parts, (ref) => resolve(derive.rule.refs.get(ref)!.key)?.value);
      if ('value' in rendered) {
        out = { target: derive.target, value: rendered.value, field: key, origin: 'derive' };
        if (key === 'username' && USERNAME_RE.test(rendered.value) && !opts.keyIdentity) out.value = suffixed(rendered.value);
      } else if (!opts.defaults.has(key)) {
        const why = `${key} could not be derived from "${derive.rule.template}": ${rendered.missing.join(', ')} empty`;
        if ((opts.mandatory as readonly string[]).includes(key)) issues.push(rowIssue('MAP_DERIVE_FAILED', why, { line, field: key }));
        else notes.push(why);
      }
    }
    if (out === undefined) {
      const d = opts.defaults.get(key);
      if (d !== undefined) out = { target: d.target, value: d.value, field: key, origin: 'default' };
    }
    memo.set(key, out);
    return out;
  };

  const suffixed = (base: string): string => {
    const name = opts.seen.freeUsername(base, MAX_LENGTH.username);
    if (name !== base) notes.push(`username ${base} is already used on line ${opts.seen.usernameOwner(base)}; derived ${name} instead`);
    return name;
  };

  // Cells in column order, then derived targets, then defaults; each once.
  const values = new Map<string, ResolvedValue>();
  for (const key of cells.keys()) values.set(key, resolve(key)!);
  for (const key of opts.derive.keys()) {
    if (values.has(key)) continue;
    const v = resolve(key);
    if (v !== undefined) values.set(key, v);
  }
  for (const key of opts.defaults.keys()) {
    if (values.has(key)) continue;
    const v = resolve(key);
    if (v !== undefined) values.set(key, v);
  }
  return { values, issues, notes };
}
