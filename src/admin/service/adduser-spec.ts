import type { Config } from '../../config/config.js';
import { OxprovError, type Backend } from '../../errors.js';
import { RESERVED_ATTRIBUTES, createRowMapper } from '../../mapping/index.js';
import { fieldByName } from '../../mapping/fields.js';
import type { ImapFolderTemplates } from '../../provision/imap/folder-templates.js';
import type { LdapDirectory, LdapUser } from '../../provision/ldap/ldap-directory.js';
import type { UserSpec } from '../../provision/user-spec.js';
import { entryAttribute } from './entry-attribute.js';

/** adduser's params that are not data of the user. */
const NOT_USER_DATA = new Set(['adminuser', 'adminpasswd', 'source_only']);

/**
 * Fields the row mapper always demands. A call that does not write LDAP needs
 * none of them (the paper's `--source_only=groupware --language=DE`): missing
 * ones are filled from the user's entry, else with a stand-in that is dropped
 * again after validation.
 */
const STAND_INS: Record<'surname' | 'mail' | 'colocrouteaddr', (username: string) => string> = {
  surname: (u) => u,
  mail: (u) => `${u}@stand-in.invalid`,
  colocrouteaddr: (u) => `${u}@localhost`,
};

/** What the entry of an existing user gives a call that leaves these options out. */
const FROM_ENTRY: readonly (readonly [field: string, attribute: string])[] = [
  ['surname', 'sn'], ['givenname', 'givenName'], ['mail', 'mail'], ['colocrouteaddr', 'colocRouteAddr'],
  ['language', 'preferredLanguage'], ['timezone', 'OXTimeZone'], ['country', 'userCountry'],
];

/** Where adduser's checks look things up. */
export interface AdduserEnv {
  readonly config: Readonly<Config>;
  readonly dir: LdapDirectory;
  readonly templates: ImapFolderTemplates;
}

/** adduser's params, checked: the spec for the core and the user's entry if it exists. */
export interface AdduserSpec {
  readonly spec: UserSpec;
  readonly entry: LdapUser | undefined;
}

/**
 * Validates adduser's params with the same rules as a CSV row (src/mapping):
 * each option is a column, any other key an extra LDAP attribute checked
 * against the directory's schema. Mandatory fields follow `only`: password,
 * surname, mail and colocrouteaddr only when LDAP is written.
 *
 * @throws OxprovError with the mapper's code (MAP_MISSING_FIELD, MAP_UNKNOWN_ATTRIBUTE, …), all problems in the message.
 */
export async function adduserSpec(params: Readonly<Record<string, string>>, only: readonly Backend[], env: AdduserEnv): Promise<AdduserSpec> {
  const writesLdap = only.includes('ldap');
  const record: Record<string, string> = {};
  // Option names are matched without case (an XML-RPC client may send `Surname`); attribute names keep theirs for the entry.
  for (const [k, v] of Object.entries(params)) if (!NOT_USER_DATA.has(k.toLowerCase())) record[fieldByName(k) ?? k] = v;
  const username = record.username?.trim();
  const entry = username ? await env.dir.findUser(username) : undefined;

  const has = (field: string) => (record[field] ?? '').trim() !== '';
  // An existing user keeps its data where the call leaves it out: a second
  // adduser without --language must not add English folders to a German mailbox.
  for (const [field, attribute] of FROM_ENTRY) {
    const value = entry && entryAttribute(entry, attribute);
    if (!has(field) && value !== undefined) record[field] = value;
  }
  const standIns = new Set<string>();
  if (!writesLdap && username) {
    for (const [field, make] of Object.entries(STAND_INS)) {
      if (!has(field)) { record[field] = make(username); standIns.add(field); }
    }
  }

  const mapper = createRowMapper({
    languages: env.templates.languages,
    imapStyles: env.templates.styles,
    schema: await env.dir.schema(),
    // Only the LDAP entry stores the password; the mail store is reached as the master user.
    generatePasswords: !writesLdap,
    // `--mailQuota=…` would bypass --quotasize's check and the quota attribute the IMAP server reads.
    reservedAttributes: [...RESERVED_ATTRIBUTES, env.config.ldap.quotaAttribute],
  });
  const headerIssues = mapper.header(Object.keys(record));
  if (headerIssues.length > 0) throw combined(headerIssues);
  const mapped = mapper.map(record, 1);
  if (!mapped.ok) throw combined(mapped.errors);

  // Stand-ins only got the mapper past its mandatory fields: the back-ends asked for treat them as unknown.
  const spec = { ...mapped.spec } as Partial<UserSpec> & Pick<UserSpec, 'username'>;
  for (const field of standIns) delete spec[field as keyof UserSpec];
  if (writesLdap) await checkAddresses(spec as UserSpec, entry, env.dir);
  return { spec: spec as UserSpec, entry };
}

/** A new user's addresses must not belong to another user (mail routing would become ambiguous). */
async function checkAddresses(spec: UserSpec, entry: LdapUser | undefined, dir: LdapDirectory): Promise<void> {
  if (entry !== undefined) return; // adding an existing user changes nothing in LDAP
  const owners = await dir.addressOwners([spec.mail, ...spec.aliases]);
  const own = spec.username.toLowerCase();
  for (const [address, field] of [[spec.mail, 'mail'], ...spec.aliases.map((a) => [a, 'alias'])] as const) {
    const owner = owners.get(address.toLowerCase());
    if (owner !== undefined && owner.toLowerCase() !== own) {
      throw new OxprovError(field === 'mail' ? 'MAP_EXISTS_MAIL' : 'MAP_EXISTS_ALIAS', `${address} already belongs to user ${owner}`, { field, value: address });
    }
  }
}

/**
 * The mapper's issues as one error: the first one's code and field, every
 * message, worded for options instead of CSV lines and columns. Issues never
 * carry a password (the mapper drops secret values).
 */
function combined(issues: readonly OxprovError[]): OxprovError {
  const text = (e: OxprovError) => e.message.replace(/^line \d+: /, '').replace(/column "([^"]+)"/g, '--$1');
  const first = issues[0];
  return new OxprovError(first.code, issues.map(text).join('; '), { field: first.field, value: first.value });
}
