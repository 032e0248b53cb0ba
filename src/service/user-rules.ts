import { OxprovError } from '../errors.js';
import { normalDn } from '../model/dn.js';
import type { Backend } from '../model/backends.js';
import type { OnExisting } from '../model/outcomes.js';
import type { UserInput } from '../model/user-spec.js';
import { samePerson, type NameHolder } from '../model/name-lookup.js';
import type { DirectoryUser, GroupwareUser } from '../provision/backends.js';

/**
 * The rules about one user that every door shares (the import, the tools
 * in-process and through the daemon, the sync): conflicts with other people,
 * filling what a request leaves out from what exists, which back-ends to touch.
 * Pure: the look-ups are done in bulk before, the writes after.
 */

/** What the look-ups found for a batch. A map is absent when its back-end was not asked (a dry run without the directory). */
export interface Found {
  /** Lower-cased user name → entry. */
  readonly entries?: ReadonlyMap<string, DirectoryUser>;
  /** Lower-cased address → the user name that owns it. */
  readonly owners?: ReadonlyMap<string, string>;
  /** User name → SQL row. */
  readonly rows?: ReadonlyMap<string, GroupwareUser>;
  /** Lower-cased group name → exists. */
  readonly groups?: ReadonlyMap<string, { readonly name: string; readonly gidNumber?: number }>;
}

export interface RuleOptions {
  /** The back-ends asked for, in the core's order. */
  readonly only: readonly Backend[];
  readonly onExisting: OnExisting;
  /** Groups that do not exist are created (else the row is refused with MAP_UNKNOWN_GROUP). */
  readonly createGroups: boolean;
  /** Each request was matched to its user by a key (a sync): a changed mail is not another person. */
  readonly matchedByKey?: boolean;
}

/** The decision for one user. */
export type Decision =
  | { readonly ok: false; readonly status: 'rejected' | 'failed'; readonly errors: OxprovError[]; readonly steps?: Partial<Record<Backend, 'failed' | 'skipped'>> }
  | {
    readonly ok: true;
    /** The request completed from what exists. */
    readonly spec: UserInput;
    /** The back-ends to touch, in order (`sql` added when `groupware` needs the row). */
    readonly only: readonly Backend[];
    readonly entry?: DirectoryUser;
    readonly row?: GroupwareUser;
    /** Groups of the request that do not exist yet and will be created. */
    readonly newGroups: readonly string[];
    readonly notes: readonly string[];
  };

/** Entry attribute → the field it fills when a request leaves the field out. */
const FILL_FROM_ENTRY: readonly (readonly [field: 'surname' | 'givenname' | 'mail' | 'colocrouteaddr' | 'language' | 'timezone' | 'country', attribute: string])[] = [
  ['surname', 'sn'], ['givenname', 'givenName'], ['mail', 'mail'], ['colocrouteaddr', 'colocRouteAddr'],
  ['language', 'preferredLanguage'], ['timezone', 'OXTimeZone'], ['country', 'userCountry'],
];

/** Every value of an attribute of an entry, its name matched without case. */
export function attributeValues(entry: Pick<DirectoryUser, 'attributes'>, name: string): readonly string[] {
  const lower = name.toLowerCase();
  const key = Object.keys(entry.attributes).find((k) => k.toLowerCase() === lower);
  return key === undefined ? [] : entry.attributes[key];
}

export function attributeOf(entry: Pick<DirectoryUser, 'attributes'>, name: string): string | undefined {
  return attributeValues(entry, name)[0];
}

/** What deciding names needs of a user: its name, its addresses and the feed that manages it. */
export function holderOf(u: Pick<DirectoryUser, 'username' | 'attributes'>): NameHolder {
  const mail = attributeOf(u, 'mail');
  return { username: u.username, mail, addresses: [...(mail ? [mail] : []), ...attributeValues(u, 'alias')], feed: attributeOf(u, 'oxprovFeed') };
}

export function decide(input: UserInput, found: Found, options: RuleOptions): Decision {
  const name = input.username.toLowerCase();
  const entry = found.entries?.get(name);
  const row = found.rows?.get(input.username);
  const errors: OxprovError[] = [];

  // A user name that belongs to another person (another mail address) is never taken over. The
  // person's own old address (kept as an alias when a sync changed the mail) is still the person.
  // In place the request names its entry: the user name is the person's when it is that entry's.
  if (input.dn !== undefined && entry !== undefined && normalDn(entry.dn) !== normalDn(input.dn)) {
    errors.push(new OxprovError('MAP_EXISTS_USERNAME', `user name ${input.username} already belongs to ${entry.dn}`, { field: 'username', value: input.username }));
  } else if (input.dn === undefined && !options.matchedByKey && entry !== undefined && !samePerson(holderOf(entry), input.mail)) {
    errors.push(new OxprovError('MAP_EXISTS_USERNAME', `user name ${input.username} already belongs to a user with another mail address`, { field: 'username', value: input.username }));
  }
  // An address of another user would make mail routing ambiguous.
  const check = (address: string, field: 'mail' | 'alias') => {
    const owner = found.owners?.get(address.toLowerCase());
    if (owner !== undefined && owner.toLowerCase() !== name) {
      errors.push(new OxprovError(field === 'mail' ? 'MAP_EXISTS_MAIL' : 'MAP_EXISTS_ALIAS', `${address} already belongs to user ${owner}`, { field, value: address }));
    }
  };
  if (input.mail) check(input.mail, 'mail');
  for (const a of input.aliases) check(a, 'alias');

  const newGroups: string[] = [];
  const notes: string[] = [];
  if (found.groups) {
    for (const g of input.groups) {
      if (found.groups.has(g.toLowerCase())) continue;
      if (!options.createGroups) {
        errors.push(new OxprovError('MAP_UNKNOWN_GROUP', `there is no group ${g} (check the name, or let oxprov create missing groups with --create-groups)`, { field: 'groups', value: g }));
      } else newGroups.push(g);
    }
  }
  if (errors.length > 0) return { ok: false, status: 'rejected', errors };

  const only = [...options.only];
  // The paper's 5.2 makes the folders before the relations: a folder needs its owner's row, so that row comes first.
  if (only.includes('groupware') && !only.includes('sql') && found.rows !== undefined && row === undefined) {
    only.splice(only.indexOf('groupware'), 0, 'sql');
    notes.push('the user had no groupware database row: it was written first (sql)');
  }
  if (only.includes('imap') && !only.includes('ldap') && found.entries !== undefined && entry === undefined) {
    // Without the directory entry Dovecot cannot say "no such user" to a master login.
    const e = new OxprovError('IMAP_NO_SUCH_USER', `${input.username} has no entry in the directory, so the IMAP server does not know it: provision ldap first`, { backend: 'imap', field: 'username', value: input.username });
    return { ok: false, status: 'failed', errors: [e], steps: { imap: 'failed' } };
  }
  if (entry !== undefined && only.includes('ldap') && options.onExisting === 'fail') {
    const e = new OxprovError('LDAP_CONFLICT', `user ${input.username} already exists (--on-existing=fail)`, { backend: 'ldap', field: 'username', value: input.username });
    const steps: Partial<Record<Backend, 'failed' | 'skipped'>> = { ldap: 'failed' };
    for (const b of only) if (b !== 'ldap') steps[b] = 'skipped';
    return { ok: false, status: 'failed', errors: [e], steps };
  }
  if (newGroups.length) notes.push(`group${newGroups.length > 1 ? 's' : ''} ${newGroups.join(', ')} created`);
  return { ok: true, spec: fill(input, entry, row), only, entry, row, newGroups, notes };
}

/**
 * The request completed from what exists: a field the request leaves out keeps
 * the user's value (a second run without `language` must not give a German
 * user English folders; without `activated` must not switch a disabled user on).
 */
export function fill(input: UserInput, entry: Pick<DirectoryUser, 'attributes'> | undefined, row: GroupwareUser | undefined): UserInput {
  // A new user (the common case of a bulk load) has nothing to fill from: no copy.
  if (entry === undefined && row === undefined) return input;
  const spec: UserInput = { ...input };
  if (entry !== undefined) {
    // A person's mailbox never moves by derivation: a routing address derived from a name is a new user's, not theirs.
    if (input.derived?.has('colocrouteaddr')) spec.colocrouteaddr = undefined;
    for (const [field, attribute] of FILL_FROM_ENTRY) {
      if (spec[field] !== undefined) continue;
      const value = attributeOf(entry, attribute);
      if (value !== undefined && value !== '') spec[field] = field === 'language' ? value.toUpperCase() : value;
    }
    // A changed mail keeps the old address as an alias, so that mail sent to it still arrives.
    const oldMail = attributeOf(entry, 'mail');
    let aliases = input.aliases.length || input.clear?.some((a) => a.toLowerCase() === 'alias') ? [...input.aliases] : [...attributeValues(entry, 'alias')];
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    if (spec.mail && oldMail && !same(spec.mail, oldMail) && !aliases.some((a) => same(a, oldMail))) aliases.push(oldMail);
    if (spec.mail) aliases = aliases.filter((a) => !same(a, spec.mail!));
    spec.aliases = aliases;
  }
  // The database's language stands in only where there is no entry (`--source_only=sql`, …): an entry's
  // language is the entry's, and a request that gives none must not write one to it.
  if (row !== undefined && entry === undefined) spec.language ??= row.language;
  if (input.activated === undefined) {
    // Disabled in either back-end stays disabled: a file without `activated` never switches anyone on.
    const enabled = entry === undefined ? undefined : attributeOf(entry, 'mailEnabled');
    const inLdap = enabled === undefined ? undefined : enabled.toUpperCase() === 'OK';
    if (inLdap !== undefined || row !== undefined) spec.activated = (inLdap ?? true) && (row?.activated ?? true);
  }
  return spec;
}
