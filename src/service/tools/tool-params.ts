import { editDistance } from '../../model/edit-distance.js';
import { OxprovError, type ErrorCode } from '../../errors.js';
import { GROUPNAME_RE, USERNAME_RE } from '../../mapping/value-syntax.js';
import type { ToolName } from './tool-contract.js';
import { findToolOption, isMandatory, selectedBackends, toolDefinition, type ToolOption } from './tool-definitions.js';

/**
 * The one check of a tool call's params, whichever door it came through (the
 * command line in process or through the daemon, a Python client): names
 * matched without case, unknown and repeated options refused, mandatory ones
 * demanded, values of fixed shape checked. What is about the user's data
 * (addresses, languages, …) is the row mapper's, as for a CSV row.
 */

// An LDAP attribute description (RFC 4512 descr, with options such as ;lang-de).
const LDAP_ATTRIBUTE = /^[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*$/;

/** Which code a value of the wrong shape gets: the mapper's, so that a CSV cell and an option agree. */
const SHAPE_CODE: Readonly<Record<string, ErrorCode>> = { quotasize: 'MAP_INVALID_QUOTA', source_only: 'CFG_INVALID' };

export interface ValidateOptions {
  /** Secret options still to come (from a prompt): not reported as missing yet. */
  readonly pending?: readonly string[];
}

/**
 * @returns the params under their canonical names (extra LDAP attributes of adduser keep their case).
 * @throws OxprovError CFG_UNKNOWN_OPTION (with the nearest option), CFG_INVALID (repeated, empty),
 *   MAP_MISSING_FIELD (every missing one at once), MAP_INVALID_FLAG / MAP_INVALID_QUOTA / CFG_INVALID for a bad shape.
 *   Never quotes the value of a secret.
 */
export function validateToolParams(tool: ToolName, params: Readonly<Record<string, string>>, options: ValidateOptions = {}): Record<string, string> {
  const def = toolDefinition(tool);
  const out: Record<string, string> = Object.create(null);
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(params)) {
    const option = findToolOption(tool, name);
    if (option === undefined && (!def.extraLdapAttributes || !LDAP_ATTRIBUTE.test(name))) {
      const why = def.extraLdapAttributes ? ' (neither an option nor a valid LDAP attribute name)' : '';
      throw new OxprovError('CFG_UNKNOWN_OPTION', `${tool} has no option --${name}${why}${suggestion(tool, name.toLowerCase())}; run "oxprov ${tool}" for its options`, { field: name });
    }
    const key = option?.name ?? name;
    const first = seen.get(key.toLowerCase());
    if (first !== undefined) throw new OxprovError('CFG_INVALID', `--${name} is given twice (first as --${first}); give each option once`, { field: name });
    seen.set(key.toLowerCase(), name);
    if (value === '' && option?.mandatory) continue;
    out[key] = option ? checkShape(option, value) : value;
  }
  const backends = selectedBackends(out.source_only);
  const pending = new Set(options.pending ?? []);
  const missing = def.options.filter((o) => isMandatory(o, backends) && (out[o.name] ?? '').trim() === '' && !pending.has(o.name));
  if (missing.length > 0) {
    // adduser takes any LDAP attribute: a misspelt option (`usrname`) arrives as one; say which was meant.
    const extras = Object.keys(params).filter((n) => findToolOption(tool, n) === undefined);
    const names = missing.map((o) => {
      const near = extras.find((n) => editDistance(n.toLowerCase(), o.name) <= 2);
      return `--${o.name}${near ? ` (--${near} was given: did you mean --${o.name}?)` : ''}`;
    });
    throw new OxprovError('MAP_MISSING_FIELD', `missing mandatory option${names.length > 1 ? 's' : ''} ${names.join(', ')}`, { field: missing[0].name });
  }
  return out;
}

function checkShape(option: ToolOption, value: string): string {
  const code = SHAPE_CODE[option.name] ?? 'MAP_INVALID_FLAG';
  if (option.choices !== undefined) {
    const items = option.list ? value.split(',').map((s) => s.trim().toLowerCase()) : [value.trim().toLowerCase()];
    const bad = items.find((item) => !option.choices!.includes(item));
    if (bad !== undefined) {
      throw new OxprovError(code, `--${option.name} must be ${option.list ? 'a comma list of ' : ''}${option.choices.join(', ')}; got "${bad}"`, { field: option.name, value: bad });
    }
    return items.join(',');
  }
  if (option.pattern !== undefined && !option.pattern.regex.test(value.trim())) {
    throw new OxprovError(code, `--${option.name} must be ${option.pattern.text}; got "${value}"`, { field: option.name, value });
  }
  if (option.list && value.split(',').some((s) => s.trim() === '')) {
    throw new OxprovError('CFG_INVALID', `--${option.name} has an empty item; separate the items with single commas`, { field: option.name });
  }
  return option.secret ? value : value.trim();
}

/** ` (did you mean --username?)` for a near miss, else empty. */
export function suggestion(tool: ToolName, name: string): string {
  const best = toolDefinition(tool)
    .options.map((o) => ({ o, d: editDistance(name, o.name) }))
    .filter(({ o, d }) => d <= 2 || o.name.startsWith(name) || name.startsWith(o.name))
    .sort((a, b) => a.d - b.d)[0];
  return best ? ` (did you mean --${best.o.name}?)` : '';
}


/** A comma list, trimmed, without empty items, each name once (compared without case). */
export function listParam(params: Readonly<Record<string, string>>, name: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const item of (params[name] ?? '').split(',').map((s) => s.trim())) {
    if (item === '' || seen.has(item.toLowerCase())) continue;
    seen.add(item.toLowerCase());
    out.push(item);
  }
  return out;
}

const NAME_CODE: Record<'user' | 'group' | 'resource', ErrorCode> = { user: 'MAP_INVALID_USERNAME', group: 'MAP_INVALID_GROUP', resource: 'MAP_INVALID_VALUE' };

/**
 * Names follow the user-name rule everywhere: they become LDAP RDNs, SQL keys
 * and (for users) IMAP logins, so a narrow alphabet avoids surprises in all three.
 */
export function checkName(value: string, field: string, kind: 'user' | 'group' | 'resource'): string {
  if (!(kind === 'user' ? USERNAME_RE : GROUPNAME_RE).test(value)) {
    throw new OxprovError(NAME_CODE[kind], `${kind} name "${value}" must start with a letter or digit and hold only letters, digits, ".", "_", "-" (at most 64)`, { field, value });
  }
  return value;
}

/** A comma list of names of the given shape (validated to hold at least one by {@link validateToolParams}). */
export function nameList(params: Readonly<Record<string, string>>, name: string, kind: 'user' | 'resource'): string[] {
  const items = listParam(params, name);
  if (items.length === 0) throw new OxprovError('MAP_MISSING_FIELD', `--${name} needs at least one ${kind} name`, { field: name });
  return items.map((item) => checkName(item, name, kind));
}
