import type { OxprovError } from '../errors.js';
import { MAX_LENGTH } from './fields.js';
import type { PlannedColumn } from './normalize-header.js';
import type { NormalizedOptions } from './normalize-options.js';
import { rowIssue } from './row-issue.js';
import type { Target } from './target.js';
import { ITERATION_REF, renderTemplate } from './template.js';
import { cellValue } from './value-syntax.js';

/** A row's value for one target, with where it came from for messages. */
export interface ResolvedValue {
  target: Target;
  value: string;
  /** The column header for a cell, else the target's name. */
  field: string;
  origin: 'column' | 'derive' | 'default';
  /** The value holds the iteration token (directly, or through a value it was derived from). */
  varied?: boolean;
}

/** The fields whose derived values must be unique: they take the iteration token when they clash. */
export const UNIQUE_FIELDS: readonly string[] = ['username', 'mail', 'alias'];

/** Where the derived values of a row are computed. */
export interface RenderAt {
  /** The iteration token: '' for a row's first choice, `2`, `3`, … after clashes (or a marker, for stems). */
  readonly token: string;
  /** The user name the person already has (a sync found them by key): `{username}` is it, and none is derived. */
  readonly username?: string;
}

const USERNAME_TARGET: Target = Object.freeze({ kind: 'field', key: 'username', field: 'username' });

export const FIRST_CHOICE: RenderAt = Object.freeze({ token: '' });

/**
 * Gives every target its value: the row's cell if not empty, else its derive
 * rule, else its default. Rules are resolved on demand, so a rule may use any
 * other target (derived ones included) in any order; the mapping file has no
 * cycles. A derived user name, mail or alias carries the iteration token: where
 * the template places it (`{n}`), through a value it uses (`{username}@…`), or
 * else at the end of the name or of the address's local part.
 */
export function resolveRow(
  record: Readonly<Record<string, string | undefined>>,
  columns: readonly PlannedColumn[],
  opts: NormalizedOptions,
  line: number,
  at: RenderAt = FIRST_CHOICE,
): { values: Map<string, ResolvedValue>; issues: OxprovError[]; notes: string[] } {
  const issues: OxprovError[] = [];
  const notes: string[] = [];
  const cells = new Map<string, ResolvedValue>();
  for (const c of columns) {
    const value = cellValue(record[c.header]);
    if (c.target !== undefined && value !== '') cells.set(c.target.key, { target: c.target, value, field: c.header, origin: 'column' });
  }
  // The person's own user name stands for the row's, whatever the row gives or derives.
  if (at.username !== undefined) cells.set('username', { target: USERNAME_TARGET, value: at.username, field: cells.get('username')?.field ?? 'username', origin: 'column' });
  const memo = new Map<string, ResolvedValue | undefined>();

  const resolve = (key: string): ResolvedValue | undefined => {
    if (memo.has(key)) return memo.get(key);
    let out = cells.get(key);
    const derive = opts.derive.get(key);
    if (out === undefined && derive !== undefined) {
      let varied = false;
      const rendered = renderTemplate(derive.rule.parts, (ref) => {
        if (ref === ITERATION_REF) {
          varied ||= at.token !== '';
          return at.token;
        }
        const v = resolve(derive.rule.refs.get(ref)!.key);
        varied ||= v?.varied === true;
        return v?.value;
      });
      if ('value' in rendered) {
        let value = rendered.value;
        if (at.token !== '' && !varied && UNIQUE_FIELDS.includes(key)) {
          value = withToken(key, value, at.token);
          varied = true;
        }
        out = { target: derive.target, value, field: key, origin: 'derive', varied };
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

/** The token where a template did not place it: after a user name (kept within its length), before an address's `@`. */
function withToken(key: string, value: string, token: string): string {
  if (key === 'username') return value.slice(0, Math.max(1, (MAX_LENGTH.username ?? 64) - token.length)) + token;
  return value.split(',').map((part) => {
    const a = part.trim();
    const at = a.lastIndexOf('@');
    return at < 0 ? a + token : a.slice(0, at) + token + a.slice(at);
  }).join(',');
}
