import type { OxprovError } from '../errors.js';
import type { NameHolder } from '../model/name-lookup.js';
import type { UserInput, UserSpec } from '../model/user-spec.js';
import { claimNames, type ClaimContext, type NeedNames, type Rendered } from './claim-names.js';
import { isSecretField } from './fields.js';
import { planColumns, type PlannedColumn } from './normalize-header.js';
import { normalizeOptions, type NormalizedOptions, type RowMapperOptions } from './normalize-options.js';
import { FIRST_CHOICE, resolveRow, type RenderAt } from './resolve-row.js';
import { readDate } from './mapping-file.js';
import { rowIssue } from './row-issue.js';
import type { Target } from './target.js';
import { validateAttribute } from './validate-attribute.js';
import { cellValue, looksLikeLostCharacter } from './value-syntax.js';
import { checkField, type FieldSink } from './validate-field.js';

/** The outcome of mapping one row. Notes say what the mapper changed on its own (suffixes, dropped repeats). */
export type MapResult =
  | {
    ok: true; line: number; spec: UserInput; notes: string[];
    /** Fields that came from a derive rule, not a cell. */
    derived: ReadonlySet<string>;
    /** With `reportEmpty`: the directory attributes whose column is in the file and empty in this row. */
    emptyAttributes?: readonly string[];
    /** The iteration of the row's derived names (0: its first choice; see claim-names.ts). */
    iteration?: number;
    /** The user of the directory found under a derived name as this row's person (a sync's take-over, an import's re-run). */
    holder?: NameHolder;
  }
  | { ok: false; line: number; errors: OxprovError[]; notes: string[]; /** The user name, when the row gives a valid one. */ username?: string };

/** A row read and checked, whose names are not decided yet: see {@link RowMapper.claim}. */
export interface PreparedRow {
  readonly line: number;
  readonly record: Readonly<Record<string, string | undefined>>;
  /** The row at its first choice of derived names. */
  readonly first: Rendered;
  readonly emptyAttributes?: readonly string[];
}

/** Validates and maps the rows of one input, keeping track of duplicates across them. */
export interface RowMapper {
  /**
   * Plans the columns of a file from its header (names as in the file). Returns
   * every problem with the header; the caller should stop on any, as columns
   * with errors are skipped in every row. Must be called before {@link map}.
   */
  header(columns: readonly string[], line?: number): OxprovError[];
  /** Reads and checks one record keyed by the header names (`line`: where the row starts, 1-based); its names are decided by {@link claim}. */
  prepare(record: Readonly<Record<string, string | undefined>>, line: number): PreparedRow;
  /**
   * Decides the row's names against the earlier rows and, with a look-up, the
   * directory (src/mapping/claim-names.ts). Rows must be claimed in input order.
   * Returns `need` when the directory must be asked about more names first: ask,
   * then claim the row again.
   */
  claim(row: PreparedRow, ctx?: ClaimContext): MapResult | NeedNames;
  /** {@link prepare} and {@link claim} against the earlier rows only. */
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

const NO_DERIVED: ReadonlySet<string> = new Set();

/**
 * Creates a row mapper. Options are checked once here and throw `CFG_INVALID` or
 * `MAP_INVALID_MAPPING`; rows never throw, they return every problem found.
 */
export function createRowMapper(options: RowMapperOptions): RowMapper {
  const opts = normalizeOptions(options);
  let plan: FilePlan | undefined;
  const planned = () => {
    if (plan === undefined) throw new Error('RowMapper.prepare() called before header()');
    return plan;
  };
  const prepare = (record: Readonly<Record<string, string | undefined>>, line: number): PreparedRow => {
    const p = planned();
    const first = renderRow(record, line, p, opts, FIRST_CHOICE);
    const emptyAttributes = opts.reportEmpty && first.issues.length === 0
      ? p.targets.flatMap((t) => (t.target.kind === 'attribute' && !first.spec.attributes[t.target.key]?.length ? [t.target.key] : []))
      : undefined;
    return { line, record, first, emptyAttributes };
  };
  const claim = (row: PreparedRow, ctx: ClaimContext = {}): MapResult | NeedNames => {
    const p = planned();
    const c = claimNames(row.first, row.line, opts.seen, (at) => renderRow(row.record, row.line, p, opts, at), ctx);
    if ('need' in c) return c;
    if (!c.ok) return { ok: false, line: row.line, errors: c.errors, notes: c.notes, username: c.username };
    const v = c.rendered;
    return {
      ok: true, line: row.line, spec: v.spec as UserInput, notes: [...v.notes, ...c.notes], derived: v.derived, iteration: c.iteration,
      ...(c.holder ? { holder: c.holder } : {}), ...(row.emptyAttributes ? { emptyAttributes: row.emptyAttributes } : {}),
    };
  };
  return {
    header(headers, line = 1) {
      const columns = planColumns(headers, opts, line);
      plan = filePlan(columns.columns, opts);
      return columns.errors;
    },
    prepare,
    claim,
    map(record, line) {
      const r = claim(prepare(record, line));
      // Without a look-up nothing is ever asked of the directory.
      if ('need' in r) throw new Error('a claim without a look-up asked for one');
      return r;
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

/** One row's values at one choice of its derived names (and, for a person found by key, their own user name), checked. */
function renderRow(record: Readonly<Record<string, string | undefined>>, line: number, plan: FilePlan, opts: NormalizedOptions, at: RenderAt): Rendered {
  // The spec is built in place; its optional fields appear only when a value gives them.
  const spec = { aliases: [], disable: [], groups: [], attributes: {} } as Partial<UserSpec> & { attributes: Record<string, string[]> };
  const sink: FieldSink = { patch: spec, issues: [], notes: [], notePrefix: '' };
  const { issues } = sink;
  let fieldOf: (key: string) => string;
  let derived: ReadonlySet<string> = NO_DERIVED;
  if (plan.cellsOnly && at.username === undefined) {
    const { targets, present } = plan;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      const value = cellValue(record[t.header]);
      present[i] = value === '' ? 0 : 1;
      if (value !== '') checkValue(t.target, value, t.header, t.secret, t.notePrefix, line, spec, sink, opts);
    }
    for (const m of plan.mandatory) {
      if (m.target === -1 || present[m.target] === 0) issues.push(rowIssue('MAP_MISSING_FIELD', missingText(m.field), { line, field: m.column }));
    }
    fieldOf = plan.fieldOf;
  } else {
    const resolved = resolveRow(record, plan.columns, opts, line, at);
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
    const d = new Set<string>();
    for (const [key, v] of values) if (v.origin === 'derive') d.add(key);
    derived = d;
  }
  return { spec, issues, notes: sink.notes, derived, fieldOf };
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

/** "surname is mandatory"; for a password, with the way out an HR export without passwords needs. */
function missingText(field: string): string {
  return field === 'password' ? 'password is mandatory (or let oxprov make one: --generate-passwords)' : `${field} is mandatory`;
}

/** A warning, not an error: `Y?lmaz` may be right, but is more often `Yılmaz` lost by the export. */
function lostNote(field: string, value: string): string {
  return `warning: ${field} "${value}" has a "?" between letters: a character the export could not write? (check the file's encoding)`;
}
