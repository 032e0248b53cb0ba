import type { OxprovError } from '../errors.js';
import { userSpec, type UserSpec } from '../provision/user-spec.js';
import { isSecretField } from './fields.js';
import { planColumns, type PlannedColumn } from './normalize-header.js';
import { normalizeOptions, type NormalizedOptions, type RowMapperOptions } from './normalize-options.js';
import { resolveRow } from './resolve-row.js';
import { rowIssue } from './row-issue.js';
import { validateAttribute } from './validate-attribute.js';
import { validateField } from './validate-field.js';

/** The outcome of mapping one row. Notes say what the mapper changed on its own (suffixes, dropped repeats). */
export type MapResult =
  | { ok: true; line: number; spec: UserSpec; notes: string[] }
  | { ok: false; line: number; errors: OxprovError[]; notes: string[] };

/** Validates and maps the rows of one input, keeping track of duplicates across them. */
export interface RowMapper {
  /**
   * Plans the columns of a file from its header (names as in the file). Returns
   * every problem with the header; the caller should stop on any, as columns
   * with errors are skipped in every row. Must be called before {@link map}.
   */
  header(columns: readonly string[], line?: number): OxprovError[];
  /** Maps one record keyed by the header names; `line` is where the row starts (1-based). */
  map(record: Readonly<Record<string, string | undefined>>, line: number): MapResult;
}

/**
 * Creates a row mapper. Options are checked once here and throw `CFG_INVALID` or
 * `MAP_INVALID_MAPPING`; rows never throw, they return every problem found.
 */
export function createRowMapper(options: RowMapperOptions): RowMapper {
  const opts = normalizeOptions(options);
  let columns: PlannedColumn[] | undefined;
  return {
    header(headers, line = 1) {
      const plan = planColumns(headers, opts, line);
      columns = plan.columns;
      return plan.errors;
    },
    map(record, line) {
      if (columns === undefined) throw new Error('RowMapper.map() called before header()');
      return mapRow(record, line, columns, opts);
    },
  };
}

function mapRow(
  record: Readonly<Record<string, string | undefined>>,
  line: number,
  columns: readonly PlannedColumn[],
  opts: NormalizedOptions,
): MapResult {
  const { values, issues, notes } = resolveRow(record, columns, opts, line);
  const patch: Partial<UserSpec> = {};
  const attributes: Record<string, string[]> = {};
  for (const v of values.values()) {
    const at = { line, field: v.field, secret: v.target.kind === 'field' && isSecretField(v.target.field) };
    if (v.target.kind === 'field') {
      const out = validateField(v.target.field, v.value, opts.env, at);
      issues.push(...out.issues);
      notes.push(...out.notes.map((n) => `${v.field}: ${n}`));
      Object.assign(patch, out.patch);
    } else {
      const out = validateAttribute(v.target.info, v.value, at);
      issues.push(...out.issues);
      if (out.value !== undefined) attributes[v.target.info.name] = [out.value];
    }
  }
  for (const field of opts.mandatory) {
    const failedToDerive = issues.some((i) => i.code === 'MAP_DERIVE_FAILED' && i.field === field);
    if (!values.has(field) && !failedToDerive) {
      const column = columns.find((c) => c.target?.key === field)?.header ?? field;
      issues.push(rowIssue('MAP_MISSING_FIELD', `${field} is mandatory`, { line, field: column }));
    }
  }
  issues.push(...checkDuplicates(patch, values, line, opts));
  if (issues.length > 0) return { ok: false, line, errors: issues, notes };
  const { username, surname, mail, colocrouteaddr } = patch as Required<UserSpec>;
  return { ok: true, line, spec: userSpec({ ...patch, username, surname, mail, colocrouteaddr, attributes }), notes };
}

/**
 * The first row to use a name or address claims it, even if that row is
 * rejected for something else: the rejects are meant to be fixed and loaded
 * again, and must not then collide with a row imported after them.
 */
function checkDuplicates(
  patch: Partial<UserSpec>,
  values: ReadonlyMap<string, { field: string }>,
  line: number,
  opts: NormalizedOptions,
): OxprovError[] {
  const issues: OxprovError[] = [];
  const field = (key: string) => values.get(key)?.field ?? key;
  const { seen } = opts;
  if (patch.username !== undefined) {
    const owner = seen.usernameOwner(patch.username);
    if (owner !== undefined) {
      issues.push(rowIssue('MAP_DUPLICATE_USERNAME', `user name ${patch.username} is already used on line ${owner}`, { line, field: field('username'), value: patch.username }));
    } else seen.claimUsername(patch.username, line);
  }
  if (patch.mail !== undefined) {
    const owner = seen.addressOwner(patch.mail);
    if (owner !== undefined) {
      issues.push(rowIssue('MAP_DUPLICATE_MAIL', `address ${patch.mail} is already used as ${owner.kind} on line ${owner.line}`, { line, field: field('mail'), value: patch.mail }));
    } else seen.claimAddress(patch.mail, line, 'mail');
  }
  for (const alias of patch.aliases ?? []) {
    const owner = seen.addressOwner(alias);
    // A user's own mail repeated among its aliases is harmless (and common in OX exports).
    if (owner !== undefined && owner.line !== line) {
      issues.push(rowIssue('MAP_DUPLICATE_ALIAS', `alias ${alias} is already used as ${owner.kind} on line ${owner.line}`, { line, field: field('alias'), value: alias }));
    } else seen.claimAddress(alias, line, 'alias');
  }
  return issues;
}
