import { nearest } from '../model/edit-distance.js';
import { OxprovError } from '../errors.js';
import { fieldByName, isSecretField } from './fields.js';
import { ITERATION_REF, parseTemplate, templateRefs, TemplateSyntaxError, type TemplatePart } from './template.js';

/**
 * A mapping file, parsed and checked for structure. Targets are adduser field
 * names (lower case) or LDAP attribute names as written; whether an attribute
 * exists is checked against the schema when the row mapper is created.
 */
export interface Mapping {
  /** Source column → target, keyed by the trimmed, lower-cased source header. */
  readonly columns: ReadonlyMap<string, MappedColumn>;
  /** Target → template, filling the target when the row leaves it empty. */
  readonly derive: ReadonlyMap<string, DeriveRule>;
  /** Target → value, used when neither the row nor a derive rule gives one. */
  readonly defaults: ReadonlyMap<string, string>;
  /** Source columns to skip, trimmed and lower-cased. */
  readonly ignore: ReadonlySet<string>;
  /** Target → (value as exported, lower-cased → value to use): `"activated": {"ja": "yes", "nein": "no"}`. */
  readonly values: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Target → the date format of the export (`DD.MM.YYYY`), read into YYYY-MM-DD. */
  readonly dates: ReadonlyMap<string, DateFormat>;
}

/** A date format of day, month and year fields (`DD.MM.YYYY`, `MM/DD/YYYY`, `YYYYMMDD`, `D.M.YY`…). */
export interface DateFormat {
  readonly text: string;
  readonly re: RegExp;
  readonly order: readonly ('D' | 'M' | 'Y')[];
  readonly shortYear: boolean;
}

export interface MappedColumn {
  /** The source header as the mapping file spells it, for messages. */
  source: string;
  target: string;
}

export interface DeriveRule {
  template: string;
  parts: TemplatePart[];
}

export const EMPTY_MAPPING: Mapping = Object.freeze({
  columns: new Map(), derive: new Map(), defaults: new Map(), ignore: new Set<string>(), values: new Map(), dates: new Map(),
});

const KEYS = ['columns', 'derive', 'defaults', 'ignore', 'values', 'dates'];

/**
 * Parses a mapping file (JSON text or an already parsed value). Every problem
 * throws `MAP_INVALID_MAPPING` with `field` set to the key at fault, e.g.
 * `derive.username`. Top-level keys starting with `$` (e.g. `$comment`) are ignored.
 */
export function parseMapping(input: unknown): Mapping {
  let doc = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch (err) {
      throw bad(undefined, `not valid JSON: ${(err as Error).message}`, undefined, err);
    }
  }
  if (!isObject(doc)) throw bad(undefined, 'must be a JSON object');
  for (const key of Object.keys(doc)) {
    if (!KEYS.includes(key) && !key.startsWith('$')) {
      const near = nearest(key, KEYS);
      throw bad(key, `unknown key${near ? `; did you mean ${near}?` : ''} (known: ${KEYS.join(', ')})`);
    }
  }
  const ignore = parseIgnore(doc.ignore);
  const columns = parseColumns(doc.columns, ignore);
  const derive = parseDerive(doc.derive);
  const defaults = parseDefaults(doc.defaults);
  const values = parseValues(doc.values);
  const dates = parseDates(doc.dates);
  return Object.freeze({ columns, derive, defaults, ignore, values, dates });
}

function parseValues(raw: unknown): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const [name, table] of entries(raw, 'values')) {
    const key = `values.${name}`;
    const target = targetName(name, key);
    if (isSecretField(target)) throw bad(key, 'passwords are not translated');
    const map = new Map<string, string>();
    for (const [from, to] of entries(table, key)) {
      if (typeof to !== 'string') throw bad(`${key}.${from}`, 'must map to a string', String(to));
      map.set(from.trim().toLowerCase(), to.trim());
    }
    out.set(target, map);
  }
  return out;
}

function parseDates(raw: unknown): Map<string, DateFormat> {
  const out = new Map<string, DateFormat>();
  for (const [name, format] of entries(raw, 'dates')) {
    const key = `dates.${name}`;
    const target = targetName(name, key);
    if (typeof format !== 'string') throw bad(key, 'must be a date format such as DD.MM.YYYY');
    out.set(target, dateFormat(format, key));
  }
  return out;
}

/** `DD.MM.YYYY` → a pattern with the day, month and year in their order; D and M also match one digit. */
export function dateFormat(text: string, key = 'dates'): DateFormat {
  const order: ('D' | 'M' | 'Y')[] = [];
  let shortYear = false;
  let re = '';
  for (const token of text.trim().match(/YYYY|YY|DD|D|MM|M|[^DMY]+/g) ?? []) {
    if (token === 'YYYY' || token === 'YY') { order.push('Y'); shortYear = token === 'YY'; re += `(\\d{${token.length}})`; }
    else if (token === 'DD' || token === 'MM') { order.push(token[0] as 'D' | 'M'); re += '(\\d{2})'; }
    else if (token === 'D' || token === 'M') { order.push(token); re += '(\\d{1,2})'; }
    else re += token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  if (order.length !== 3 || new Set(order).size !== 3) throw bad(key, `"${text}" needs one day (DD), one month (MM) and one year (YYYY or YY)`, text);
  return { text: text.trim(), re: new RegExp(`^${re}$`), order, shortYear };
}

/** A date written in `format`, as YYYY-MM-DD (not yet checked for being a real date), or undefined. */
export function readDate(value: string, format: DateFormat): string | undefined {
  const m = format.re.exec(value.trim());
  if (m === null) return undefined;
  const part: Record<string, string> = {};
  format.order.forEach((k, i) => { part[k] = m[i + 1]; });
  // Two-digit years: up to 30 years ahead belong to this century, the rest to the last.
  const year = format.shortYear ? String((Number(part.Y) + 2000 > new Date().getFullYear() + 30 ? 1900 : 2000) + Number(part.Y)) : part.Y;
  return `${year}-${part.M.padStart(2, '0')}-${part.D.padStart(2, '0')}`;
}

function parseIgnore(raw: unknown): Set<string> {
  const out = new Set<string>();
  if (raw === undefined) return out;
  if (!Array.isArray(raw)) throw bad('ignore', 'must be a list of column names');
  raw.forEach((name, i) => {
    if (typeof name !== 'string' || name.trim() === '') throw bad(`ignore[${i}]`, 'must be a non-empty string', name);
    out.add(name.trim().toLowerCase());
  });
  return out;
}

function parseColumns(raw: unknown, ignore: ReadonlySet<string>): Map<string, MappedColumn> {
  const out = new Map<string, MappedColumn>();
  const byTarget = new Map<string, string>();
  for (const [source, value] of entries(raw, 'columns')) {
    const key = `columns.${source}`;
    const lower = source.trim().toLowerCase();
    if (lower === '') throw bad(key, 'source column name is empty');
    if (out.has(lower)) throw bad(key, `column "${source}" is mapped twice (names are compared case-insensitively)`);
    if (ignore.has(lower)) throw bad(key, `column "${source}" is both mapped and ignored`);
    const target = targetName(value, key);
    const other = byTarget.get(target.toLowerCase());
    if (other !== undefined) throw bad(key, `"${other}" is already mapped to ${target}`, target);
    byTarget.set(target.toLowerCase(), source);
    out.set(lower, { source: source.trim(), target });
  }
  return out;
}

function parseDerive(raw: unknown): Map<string, DeriveRule> {
  const out = new Map<string, DeriveRule>();
  for (const [name, template] of entries(raw, 'derive')) {
    const key = `derive.${name}`;
    const target = targetName(name, key);
    // A password derived from other columns is guessable by anyone who sees them.
    if (isSecretField(target)) throw bad(key, 'a password cannot be derived');
    if (typeof template !== 'string') throw bad(key, 'must be a template string');
    let parts: TemplatePart[];
    try {
      parts = parseTemplate(template);
    } catch (err) {
      if (err instanceof TemplateSyntaxError) throw bad(key, err.message, template, err);
      throw err;
    }
    for (const ref of templateRefs(parts)) {
      // Also keeps the password out of every derived value, and so out of every message.
      if (isSecretField(fieldByName(ref))) throw bad(key, 'a template cannot reference the password', template);
    }
    out.set(target, { template, parts });
  }
  checkCycles(out);
  return out;
}

function parseDefaults(raw: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of entries(raw, 'defaults')) {
    const key = `defaults.${name}`;
    const target = targetName(name, key);
    // A shared clear-text password in a file is what generated passwords are for.
    if (isSecretField(target)) throw bad(key, 'a default password is not allowed; generate passwords instead');
    if (typeof value !== 'string' || value.trim() === '') throw bad(key, 'must be a non-empty string', String(value));
    out.set(target, value.trim());
  }
  return out;
}

/** An adduser field (lower-cased) or an attribute name in RFC 4512 `descr` syntax. */
function targetName(raw: unknown, key: string): string {
  if (typeof raw !== 'string') throw bad(key, 'target must be a string');
  const name = raw.trim();
  const field = fieldByName(name);
  if (field !== undefined) return field;
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(name)) {
    throw bad(key, `"${name}" is neither an adduser field nor an LDAP attribute name`, name);
  }
  return name;
}

function checkCycles(derive: ReadonlyMap<string, DeriveRule>): void {
  const byLower = new Map([...derive].map(([t, r]) => [t.toLowerCase(), { target: t, rule: r }]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (lower: string, path: string[]): void => {
    const node = byLower.get(lower);
    if (node === undefined || state.get(lower) === 'done') return;
    if (state.get(lower) === 'visiting') {
      throw bad(`derive.${path[0]}`, `derive rules form a cycle: ${[...path, node.target].join(' → ')}`);
    }
    state.set(lower, 'visiting');
    for (const ref of templateRefs(node.rule.parts)) if (ref !== ITERATION_REF) visit((fieldByName(ref) ?? ref).toLowerCase(), [...path, node.target]);
    state.set(lower, 'done');
  };
  for (const lower of byLower.keys()) visit(lower, []);
}

function entries(raw: unknown, key: string): [string, unknown][] {
  if (raw === undefined) return [];
  if (!isObject(raw)) throw bad(key, 'must be an object');
  return Object.entries(raw);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(field: string | undefined, message: string, value?: string, cause?: unknown): OxprovError {
  const where = field === undefined ? 'mapping file' : `mapping file, ${field}`;
  return new OxprovError('MAP_INVALID_MAPPING', `${where}: ${message}`, { field, value, cause });
}
