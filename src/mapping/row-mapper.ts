import type { OxprovError } from '../errors.js';
import type { UserInput, UserSpec } from '../model/user-spec.js';
import { isSecretField } from './fields.js';
import { planColumns, type PlannedColumn } from './normalize-header.js';
import { normalizeOptions, type NormalizedOptions, type RowMapperOptions } from './normalize-options.js';
import { resolveRow } from './resolve-row.js';
import { readDate } from './mapping-file.js';
import { rowIssue } from './row-issue.js';
import type { Target } from './target.js';
import { validateAttribute } from './validate-attribute.js';
import { looksLikeLostCharacter } from './value-syntax.js';
import { checkField, type FieldSink } from './validate-field.js';

/** The outcome of mapping one row. Notes say what the mapper changed on its own (suffixes, dropped repeats). */
export type MapResult =
  | {
    ok: true; line: number; spec: UserInput; notes: string[];
    /** Fields that came from a derive rule, not a cell. */
    derived: ReadonlySet<string>;
    /** With `reportEmpty`: the directory attributes whose column is in the file and empty in this row. */
    emptyAttributes?: readonly string[];
  }
  | { ok: false; line: number; errors: OxprovError[]; notes: string[]; /** The user name, when the row gives a valid one. */ username?: string };

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

/** A column that feeds a target, with what its checks need, worked out once per file. */
interface TargetColumn {
  header: string;
  target: Target;
  secret: boolean;
  notePrefix: string;
}

/** What the header decided, for every row of the file. */
interface FilePlan {
  columns: readonly PlannedColumn[];
  targets: readonly TargetColumn[];
  /** Without derive rules and defaults a row's values are exactly its non-empty cells: no resolving needed. */
  cellsOnly: boolean;
  /** Mandatory fields, the column that gives each (index into `targets`, or -1) and the field named when missing. */
  mandatory: readonly { field: string; target: number; column: string }[];
  /** The column name of a target key, when a column gives it. */
  headerOf: ReadonlyMap<string, string>;
  /** In a cells-only plan: the field named in a duplicate's issue. */
  fieldOf: (key: string) => string;
  /** Scratch: which targets had a non-empty cell in the current row (rows are mapped one at a time). */
  present: Uint8Array;
}

/**
 * Creates a row mapper. Options are checked once here and throw `CFG_INVALID` or
 * `MAP_INVALID_MAPPING`; rows never throw, they return every problem found.
 */
export function createRowMapper(options: RowMapperOptions): RowMapper {
  const opts = normalizeOptions(options);
  let plan: FilePlan | undefined;
  return {
    header(headers, line = 1) {
      const planned = planColumns(headers, opts, line);
      plan = filePlan(planned.columns, opts);
      return planned.errors;
    },
    map(record, line) {
      if (plan === undefined) throw new Error('RowMapper.map() called before header()');
      return mapRow(record, line, plan, opts);
    },
  };
}

function filePlan(columns: readonly PlannedColumn[], opts: NormalizedOptions): FilePlan {
  const targets: TargetColumn[] = [];
  const headerOf = new Map<string, string>();
  for (const c of columns) {
    if (c.target === undefined) continue;
    targets.push({ header: c.header, target: c.target, secret: c.target.kind === 'field' && isSecretField(c.target.field), notePrefix: `${c.header}: ` });
    headerOf.set(c.target.key, c.header);
  }
  const mandatory = opts.mandatory.map((field) => ({
    field,
    target: targets.findIndex((t) => t.target.key === field),
    column: columns.find((c) => c.target?.key === field)?.header ?? field,
  }));
  return { columns, targets, cellsOnly: opts.derive.size === 0 && opts.defaults.size === 0, mandatory, headerOf,
    fieldOf: (key) => headerOf.get(key) ?? key, present: new Uint8Array(targets.length) };
}

function mapRow(record: Readonly<Record<string, string | undefined>>, line: number, plan: FilePlan, opts: NormalizedOptions): MapResult {
  // The spec is built in place; its optional fields appear only when a value gives them.
  const spec = { aliases: [], disable: [], groups: [], attributes: {} } as Partial<UserSpec> & { attributes: Record<string, string[]> };
  const sink: FieldSink = { patch: spec, issues: [], notes: [], notePrefix: '' };
  const { issues } = sink;
  let fieldOf: (key: string) => string;
  const derived = new Set<string>();
  if (plan.cellsOnly) {
    const { targets, present } = plan;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      const value = record[t.header]?.trim() ?? '';
      present[i] = value === '' ? 0 : 1;
      if (value !== '') checkValue(t.target, value, t.header, t.secret, t.notePrefix, line, spec, sink, opts);
    }
    for (const m of plan.mandatory) {
      if (m.target === -1 || present[m.target] === 0) issues.push(rowIssue('MAP_MISSING_FIELD', missingText(m.field), { line, field: m.column }));
    }
    fieldOf = plan.fieldOf;
  } else {
    const resolved = resolveRow(record, plan.columns, opts, line);
    issues.push(...resolved.issues);
    sink.notes.push(...resolved.notes);
    const { values } = resolved;
    for (const v of values.values()) {
      const secret = v.target.kind === 'field' && isSecretField(v.target.field);
      checkValue(v.target, v.value, v.field, secret, `${v.field}: `, line, spec, sink, opts);
    }
    for (const m of plan.mandatory) {
      const failedToDerive = issues.some((i) => i.code === 'MAP_DERIVE_FAILED' && i.field === m.field);
      if (!values.has(m.field) && !failedToDerive) issues.push(rowIssue('MAP_MISSING_FIELD', missingText(m.field), { line, field: m.column }));
    }
    fieldOf = (key) => values.get(key)?.field ?? key;
    for (const [key, v] of values) if (v.origin === 'derive') derived.add(key);
  }
  checkDuplicates(spec, fieldOf, line, opts, issues, opts.keyIdentity && derived.has('username'));
  if (issues.length > 0) return { ok: false, line, errors: issues, notes: sink.notes, username: spec.username };
  if (!opts.reportEmpty) return { ok: true, line, spec: spec as UserInput, notes: sink.notes, derived };
  const emptyAttributes = plan.targets.flatMap((t) => (t.target.kind === 'attribute' && !spec.attributes[t.target.key]?.length ? [t.target.key] : []));
  return { ok: true, line, spec: spec as UserInput, notes: sink.notes, derived, emptyAttributes };
}

function checkValue(
  target: Target, value: string, field: string, secret: boolean, notePrefix: string, line: number,
  spec: { attributes: Record<string, string[]> }, sink: FieldSink, opts: NormalizedOptions,
): void {
  // The export's own words and date formats, as the mapping file translates them (`ja` → yes, 01.04.2009 → 2009-04-01).
  const table = opts.values.get(target.key);
  if (table !== undefined) value = table.get(value.toLowerCase()) ?? value;
  const format = opts.dates.get(target.key);
  if (format !== undefined) {
    const iso = readDate(value, format);
    if (iso === undefined) {
      sink.issues.push(rowIssue('MAP_INVALID_DATE', `${field}: not a date written ${format.text}`, { line, field, value, secret }));
      return;
    }
    value = iso;
  }
  if (target.kind === 'field') {
    sink.notePrefix = notePrefix;
    checkField(target.field, value, opts.env, line, field, secret, sink);
    if ((target.field === 'surname' || target.field === 'givenname') && looksLikeLostCharacter(value)) sink.notes.push(lostNote(field, value));
  } else {
    const out = validateAttribute(target.info, value, { line, field, secret });
    if (out.value !== undefined) spec.attributes[target.info.name] = [out.value];
    else sink.issues.push(...out.issues);
    if (out.value !== undefined && !secret && looksLikeLostCharacter(out.value)) sink.notes.push(lostNote(field, out.value));
  }
}

/**
 * The first row to use a name or address claims it, even if that row is
 * rejected for something else: the rejects are meant to be fixed and loaded
 * again, and must not then collide with a row imported after them.
 */
function checkDuplicates(patch: Partial<UserSpec>, field: (key: string) => string, line: number, opts: NormalizedOptions, issues: OxprovError[], nameBySync = false): void {
  const { seen } = opts;
  if (patch.username !== undefined && !nameBySync) {
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
}

/** "surname is mandatory"; for a password, with the way out an HR export without passwords needs. */
function missingText(field: string): string {
  return field === 'password' ? 'password is mandatory (or let oxprov make one: --generate-passwords)' : `${field} is mandatory`;
}

/** A warning, not an error: `Y?lmaz` may be right, but is more often `Yılmaz` lost by the export. */
function lostNote(field: string, value: string): string {
  return `warning: ${field} "${value}" has a "?" between letters: a character the export could not write? (check the file's encoding)`;
}
