import type { ErrorCode, OxprovError } from '../errors.js';
import { MODULES, type Module } from '../model/modules.js';
import { DEFAULT_PASSWORD_POLICY, passwordProblem, type PasswordPolicy } from '../model/password-policy.js';
import type { UserSpec } from '../model/user-spec.js';
import { resolveCountry } from './country.js';
import { DEFAULT_MAX_LENGTH, FLAG_FIELDS, LIST_FIELDS, MAX_LENGTH, type Field } from './fields.js';
import { resolveLanguage } from './language.js';
import { rowIssue, type IssueContext } from './row-issue.js';
import { resolveTimeZone } from './timezone.js';
import { GROUPNAME_RE, hasControlChars, isMailAddress, parseFlag, parseQuota, USERNAME_RE } from './value-syntax.js';

// Regular expressions as constants: a literal in a function body is a new RegExp object per call.
const STYLE_RE = /^[A-Za-z0-9_]+$/;

/** What field checks need from the mapper's options. */
export interface FieldEnv {
  /** Template languages as spelled in the templates, e.g. `EN`, `DE`, `FR`. */
  readonly languages: readonly string[];
  /** Known folder styles keyed by lower-cased name; undefined accepts any well-formed style name. */
  readonly imapStyles?: ReadonlyMap<string, string>;
  /** What a password must hold; undefined: the default policy. */
  readonly passwordPolicy?: PasswordPolicy;
}

/** One checked value: what it contributes to the spec, and every problem found. */
export interface FieldOutcome {
  patch: Partial<UserSpec>;
  issues: OxprovError[];
  notes: string[];
}

const PRIMARY_GROUP = 'users';
const LIST = new Set<Field>(LIST_FIELDS);
const FLAG = new Set<Field>(FLAG_FIELDS);
const MODULE_SET = new Set<string>(MODULES);

/**
 * Where the checks of one row put their results. The row mapper passes the spec
 * it is building and the row's lists, so that a valid value costs no allocation
 * beyond its converted value.
 */
export interface FieldSink {
  patch: Partial<UserSpec>;
  issues: OxprovError[];
  notes: string[];
  /** Put before every note, e.g. the column name and ": ". */
  notePrefix: string;
}

/** Checks one trimmed, non-empty value of `field` and converts it for the spec. */
export function validateField(field: Field, value: string, env: FieldEnv, at: IssueContext): FieldOutcome {
  const out: FieldOutcome & { notePrefix: string } = { patch: {}, issues: [], notes: [], notePrefix: '' };
  checkField(field, value, env, at.line, at.field, at.secret === true, out);
  return { patch: out.patch, issues: out.issues, notes: out.notes };
}

function fail(sink: FieldSink, code: ErrorCode, message: string, line: number | undefined, field: string | undefined, secret: boolean, value: string): void {
  sink.issues.push(rowIssue(code, message, { line, field, secret, value }));
}

/** {@link validateField} writing into `sink`; `column` is the field of the issues (the header). */
export function checkField(field: Field, value: string, env: FieldEnv, line: number | undefined, column: string | undefined, secret: boolean, sink: FieldSink): void {
  if (LIST.has(field)) {
    checkList(field as 'alias' | 'disable' | 'groups', value, line, column, secret, sink);
    return;
  }
  const max = MAX_LENGTH[field] ?? DEFAULT_MAX_LENGTH;
  if (value.length > max) return fail(sink, 'MAP_TOO_LONG', `${field} is longer than ${max} characters`, line, column, secret, value);
  if (hasControlChars(value)) return fail(sink, 'MAP_INVALID_VALUE', `${field} contains control characters (a line break inside quotes?)`, line, column, secret, value);
  const patch = sink.patch;
  if (FLAG.has(field)) {
    const flag = parseFlag(value);
    if (flag === undefined) fail(sink, 'MAP_INVALID_FLAG', `${field} must be yes or no`, line, column, secret, value);
    else patch[field as (typeof FLAG_FIELDS)[number]] = flag;
    return;
  }
  switch (field) {
    case 'username':
      // Stored lower-case: LDAP and IMAP match user names without case, the SQL key must not tell them apart.
      if (USERNAME_RE.test(value)) patch.username = value.toLowerCase();
      else fail(sink, 'MAP_INVALID_USERNAME', 'user name must start with a letter or digit and hold only letters, digits, ".", "_", "-"', line, column, secret, value);
      break;
    case 'password': {
      const weak = passwordProblem(value, env.passwordPolicy ?? DEFAULT_PASSWORD_POLICY);
      if (weak === undefined) patch.password = value;
      else fail(sink, 'MAP_WEAK_PASSWORD', weak, line, column, true, value);
      break;
    }
    case 'surname':
    case 'givenname':
      patch[field] = value;
      break;
    case 'mail':
      if (isMailAddress(value)) patch.mail = value;
      else fail(sink, 'MAP_INVALID_MAIL', 'not a valid e-mail address', line, column, secret, value);
      break;
    case 'imapserver':
      // A configured server's name; whether it exists is the user service's rule (MAIL_UNKNOWN_SERVER).
      if (/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/.test(value)) patch.mailServer = value.toLowerCase();
      else fail(sink, 'MAP_INVALID_VALUE', 'imapserver must be the name of a configured mail server (letters, digits, - and _)', line, column, secret, value);
      break;
    case 'colocrouteaddr':
      if (isMailAddress(value, true)) patch.colocrouteaddr = value;
      else fail(sink, 'MAP_INVALID_VALUE', 'colocrouteaddr must look like user@host', line, column, secret, value);
      break;
    case 'timezone': {
      const tz = resolveTimeZone(value);
      if (tz === undefined) fail(sink, 'MAP_INVALID_TIMEZONE', 'not an IANA time zone (e.g. Europe/Berlin)', line, column, secret, value);
      else patch.timezone = tz;
      break;
    }
    case 'language': {
      const lang = resolveLanguage(value, env.languages);
      if (lang === undefined) fail(sink, 'MAP_INVALID_LANGUAGE', `language must be one of ${env.languages.join(', ')}`, line, column, secret, value);
      else patch.language = lang;
      break;
    }
    case 'country': {
      const code = resolveCountry(value);
      if (code === undefined) fail(sink, 'MAP_INVALID_COUNTRY', 'not an ISO 3166 country code or an English, German or French country name', line, column, secret, value);
      else patch.country = code;
      break;
    }
    case 'quotasize': {
      const mb = parseQuota(value);
      if (mb === undefined) fail(sink, 'MAP_INVALID_QUOTA', 'quota must be a whole number of MB', line, column, secret, value);
      else patch.quotaMB = mb;
      break;
    }
    case 'ox_user_create_imap_template': {
      const style = env.imapStyles ? env.imapStyles.get(value.toLowerCase()) : STYLE_RE.test(value) ? value : undefined;
      if (style === undefined) fail(sink, 'MAP_INVALID_TEMPLATE', 'unknown IMAP folder style', line, column, secret, value);
      else patch.imapTemplate = style;
      break;
    }
  }
}

function checkList(field: 'alias' | 'disable' | 'groups', value: string, line: number | undefined, column: string | undefined, secret: boolean, sink: FieldSink): void {
  if (!value.includes(',')) {
    // One item (the usual case): no splitting, no repeats to look for.
    const item = value.trim();
    const kept = item === '' ? undefined : checkItem(field, item, field === 'alias' ? item : item.toLowerCase(), line, column, secret, sink);
    setList(field, kept === undefined ? [] : [kept], sink);
    return;
  }
  const keep: string[] = [];
  // Lower-cased items seen so far; lists are short, a linear search beats a Set.
  const seen: string[] = [];
  for (let from = 0; from <= value.length;) {
    let to = value.indexOf(',', from);
    if (to === -1) to = value.length;
    const item = (from === 0 && to === value.length ? value : value.slice(from, to)).trim();
    from = to + 1;
    if (item === '') continue;
    const key = item.toLowerCase();
    if (seen.includes(key)) {
      sink.notes.push(`${sink.notePrefix}"${item}" is listed twice; kept once`);
      continue;
    }
    seen.push(key);
    const kept = checkItem(field, item, key, line, column, secret, sink);
    if (kept !== undefined) keep.push(kept);
  }
  setList(field, keep, sink);
}

/** The item as kept in the list, or undefined (an issue or a note says why). `key` is the item lower-cased. */
function checkItem(field: 'alias' | 'disable' | 'groups', item: string, key: string, line: number | undefined, column: string | undefined, secret: boolean, sink: FieldSink): string | undefined {
  if (field === 'alias') {
    if (item.length > (MAX_LENGTH.alias ?? DEFAULT_MAX_LENGTH)) fail(sink, 'MAP_TOO_LONG', 'alias is longer than 254 characters', line, column, secret, item);
    else if (!isMailAddress(item)) fail(sink, 'MAP_INVALID_ALIAS', `alias "${item}" is not a valid e-mail address`, line, column, secret, item);
    else return item;
  } else if (field === 'disable') {
    if (MODULE_SET.has(key)) return key;
    fail(sink, 'MAP_INVALID_MODULE', `unknown module "${item}" (known: ${MODULES.join(', ')})`, line, column, secret, item);
  } else if (key === PRIMARY_GROUP) {
    sink.notes.push(`${sink.notePrefix}"${item}" is every user's primary group; not added again`);
  } else if (GROUPNAME_RE.test(item)) return item;
  else fail(sink, 'MAP_INVALID_GROUP', `group name "${item}" is not valid`, line, column, secret, item);
  return undefined;
}

function setList(field: 'alias' | 'disable' | 'groups', keep: string[], sink: FieldSink): void {
  if (field === 'alias') sink.patch.aliases = keep;
  else if (field === 'disable') sink.patch.disable = keep as Module[];
  else sink.patch.groups = keep;
}
