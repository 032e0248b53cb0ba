import { OxprovError, type Backend, type ErrorCode } from '../errors.js';

/**
 * The user spec: one user as the provisioning core receives it, already
 * validated and normalised (by `src/mapping/` for CSV rows, by the admin
 * tools for `adduser`). Back-ends never re-validate it.
 */

/** The groupware modules of the paper's `--disable` option. */
export const MODULES = [
  'bookmarks', 'calendar', 'contacts', 'documents', 'forum', 'knowledge',
  'pinboard', 'pinboard_public', 'projects', 'tasks', 'webmail',
] as const;
export type Module = (typeof MODULES)[number];

/** The paper's `--source_only` targets: LDAP entry, SQL relations and permissions, groupware folders, mailbox. */
export const BACKENDS = ['ldap', 'sql', 'groupware', 'imap'] as const satisfies readonly Backend[];

/**
 * The paper's `--source_only` value: a comma list of back-ends, in the order they
 * are provisioned; all of them when absent. An empty list or an unknown name
 * throws `code` (the caller's layer) naming the bad item.
 */
export function parseSourceOnly(value: string | undefined, code: ErrorCode, field = 'source_only'): Backend[] {
  if (value === undefined) return [...BACKENDS];
  const items = value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const bad = items.find((s) => !(BACKENDS as readonly string[]).includes(s));
  if (bad !== undefined || items.length === 0) {
    throw new OxprovError(code, `${field} must be a comma list of ${BACKENDS.join(', ')}${bad === undefined ? '' : `, got "${bad}"`}`, { field, value: bad });
  }
  return BACKENDS.filter((b) => items.includes(b));
}

export interface UserSpec {
  /** Login name (`uid`), the paper's `--username`. */
  username: string;
  /** Clear-text password; hashed before it reaches LDAP, never logged or reported. */
  password?: string;
  surname: string;
  givenname?: string;
  /** Default sender address (`mail`). */
  mail: string;
  /** Additional addresses (`alias`), the paper's comma-separated `--alias`. */
  aliases: string[];
  /** Physical mailbox location, `<user>@localhost` on a single site. */
  colocrouteaddr: string;
  /** IANA time zone, e.g. `Europe/Berlin`. */
  timezone?: string;
  /** Upper-case language code of a folder template, e.g. `DE`. */
  language?: string;
  /** ISO 3166 alpha-2 code, upper case. */
  country?: string;
  /** Groupware modules turned off for this user. */
  disable: Module[];
  /** May write to the global address book. */
  globaladdressbook?: boolean;
  /** False creates a user that must be activated before first use (no IMAP login). */
  activated?: boolean;
  /** Must change the password at first login. */
  changepasswd?: boolean;
  /** Mail quota in MB; undefined leaves the server's default. */
  quotaMB?: number;
  /** Groups (besides the primary group `users`) the user becomes a member of. */
  groups: string[];
  /** IMAP folder style, the paper's `--ox_user_create_imap_template` (e.g. `DE_Thunderbird`). */
  imapTemplate?: string;
  /** Any other LDAP attributes (the paper's `--anyattribute`), values as strings. */
  attributes: Record<string, string[]>;
}

/** A spec with every optional list filled, for callers that build specs by hand. */
export function userSpec(fields: Partial<UserSpec> & Pick<UserSpec, 'username' | 'surname' | 'mail' | 'colocrouteaddr'>): UserSpec {
  return { aliases: [], disable: [], groups: [], attributes: {}, ...fields };
}
