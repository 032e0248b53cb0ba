import type { ErrorCode, OxprovError } from '../errors.js';
import { MODULES, type Module, type UserSpec } from '../provision/user-spec.js';
import { resolveCountry } from './country.js';
import { DEFAULT_MAX_LENGTH, FLAG_FIELDS, LIST_FIELDS, MAX_LENGTH, type Field } from './fields.js';
import { resolveLanguage } from './language.js';
import { rowIssue, type IssueContext } from './row-issue.js';
import { resolveTimeZone } from './timezone.js';
import { GROUPNAME_RE, hasControlChars, isMailAddress, parseFlag, parseQuota, USERNAME_RE } from './value-syntax.js';

/** What field checks need from the mapper's options. */
export interface FieldEnv {
  /** Template languages as spelled in the templates, e.g. `EN`, `DE`, `FR`. */
  readonly languages: readonly string[];
  /** Known folder styles keyed by lower-cased name; undefined accepts any well-formed style name. */
  readonly imapStyles?: ReadonlyMap<string, string>;
}

/** One checked value: what it contributes to the spec, and every problem found. */
export interface FieldOutcome {
  patch: Partial<UserSpec>;
  issues: OxprovError[];
  notes: string[];
}

const PRIMARY_GROUP = 'users';

/** Checks one trimmed, non-empty value of `field` and converts it for the spec. */
export function validateField(field: Field, value: string, env: FieldEnv, at: IssueContext): FieldOutcome {
  const out: FieldOutcome = { patch: {}, issues: [], notes: [] };
  const fail = (code: ErrorCode, message: string, v = value) => {
    out.issues.push(rowIssue(code, message, { ...at, value: v }));
  };
  if (LIST_FIELDS.includes(field)) {
    validateList(field as 'alias' | 'disable' | 'groups', value, out, fail);
    return out;
  }
  const max = MAX_LENGTH[field] ?? DEFAULT_MAX_LENGTH;
  if (value.length > max) {
    fail('MAP_TOO_LONG', `${field} is longer than ${max} characters`);
    return out;
  }
  if (hasControlChars(value)) {
    fail('MAP_INVALID_VALUE', `${field} contains control characters (a line break inside quotes?)`);
    return out;
  }
  if ((FLAG_FIELDS as readonly string[]).includes(field)) {
    const flag = parseFlag(value);
    if (flag === undefined) fail('MAP_INVALID_FLAG', `${field} must be yes or no`);
    else out.patch[field as (typeof FLAG_FIELDS)[number]] = flag;
    return out;
  }
  switch (field) {
    case 'username':
      if (USERNAME_RE.test(value)) out.patch.username = value;
      else fail('MAP_INVALID_USERNAME', 'user name must start with a letter or digit and hold only letters, digits, ".", "_", "-"');
      break;
    case 'password':
      out.patch.password = value;
      break;
    case 'surname':
    case 'givenname':
      out.patch[field] = value;
      break;
    case 'mail':
      if (isMailAddress(value)) out.patch.mail = value;
      else fail('MAP_INVALID_MAIL', 'not a valid e-mail address');
      break;
    case 'colocrouteaddr':
      if (isMailAddress(value, true)) out.patch.colocrouteaddr = value;
      else fail('MAP_INVALID_VALUE', 'colocrouteaddr must look like user@host');
      break;
    case 'timezone': {
      const tz = resolveTimeZone(value);
      if (tz === undefined) fail('MAP_INVALID_TIMEZONE', 'not an IANA time zone (e.g. Europe/Berlin)');
      else out.patch.timezone = tz;
      break;
    }
    case 'language': {
      const lang = resolveLanguage(value, env.languages);
      if (lang === undefined) fail('MAP_INVALID_LANGUAGE', `language must be one of ${env.languages.join(', ')}`);
      else out.patch.language = lang;
      break;
    }
    case 'country': {
      const code = resolveCountry(value);
      if (code === undefined) fail('MAP_INVALID_COUNTRY', 'not an ISO 3166 country code or an English, German or French country name');
      else out.patch.country = code;
      break;
    }
    case 'quotasize': {
      const mb = parseQuota(value);
      if (mb === undefined) fail('MAP_INVALID_QUOTA', 'quota must be a whole number of MB');
      else out.patch.quotaMB = mb;
      break;
    }
    case 'ox_user_create_imap_template': {
      const style = env.imapStyles ? env.imapStyles.get(value.toLowerCase()) : /^[A-Za-z0-9_]+$/.test(value) ? value : undefined;
      if (style === undefined) fail('MAP_INVALID_TEMPLATE', 'unknown IMAP folder style');
      else out.patch.imapTemplate = style;
      break;
    }
  }
  return out;
}

function validateList(
  field: 'alias' | 'disable' | 'groups',
  value: string,
  out: FieldOutcome,
  fail: (code: ErrorCode, message: string, v?: string) => void,
): void {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const seen = new Set<string>();
  const keep: string[] = [];
  for (const item of items) {
    const key = item.toLowerCase();
    if (seen.has(key)) {
      out.notes.push(`"${item}" is listed twice; kept once`);
      continue;
    }
    seen.add(key);
    if (field === 'alias') {
      if (item.length > (MAX_LENGTH.alias ?? DEFAULT_MAX_LENGTH)) fail('MAP_TOO_LONG', 'alias is longer than 254 characters', item);
      else if (!isMailAddress(item)) fail('MAP_INVALID_ALIAS', `alias "${item}" is not a valid e-mail address`, item);
      else keep.push(item);
    } else if (field === 'disable') {
      if ((MODULES as readonly string[]).includes(key)) keep.push(key);
      else fail('MAP_INVALID_MODULE', `unknown module "${item}" (known: ${MODULES.join(', ')})`, item);
    } else if (key === PRIMARY_GROUP) {
      out.notes.push(`"${item}" is every user's primary group; not added again`);
    } else if (GROUPNAME_RE.test(item)) keep.push(item);
    else fail('MAP_INVALID_GROUP', `group name "${item}" is not valid`, item);
  }
  if (field === 'alias') out.patch.aliases = keep;
  else if (field === 'disable') out.patch.disable = keep as Module[];
  else out.patch.groups = keep;
}
