import type { Module } from './modules.js';

/**
 * The user spec: one user as the provisioning core receives it, already
 * validated and normalised by `src/mapping/`. Back-ends never re-validate it.
 * An optional field left undefined, or a list left empty, was not given: the
 * user service fills it from what exists, or the back-end uses its default.
 */
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
  /**
   * The mail server the user's mailbox lives on, by its configured name (`imapserver` column): the
   * user service fills it from the entry, the request, `--spread` or the default server.
   */
  mailServer?: string;
  /** IMAP folder style, the paper's `--ox_user_create_imap_template` (e.g. `DE_Thunderbird`). */
  imapTemplate?: string;
  /** The sync feed that manages the user and the person's key in it (set by `oxprov sync` when it creates the user). */
  managed?: { feed: string; key: string };
  /**
   * In place (`import --from-ldap --in-place`): the entry of the company's own tree that becomes
   * this user. Only what it lacks is added to it; none of its values is changed.
   */
  dn?: string;
  /** A password hash as another directory stores it (`{SSHA}…`, copy mode of `--from-ldap`): stored as it is when there is no `password`. */
  passwordHash?: string;
  /** Any other LDAP attributes (the paper's `--anyattribute`), values as strings. */
  attributes: Record<string, string[]>;
  /**
   * The fields a mapping derived (not the person's own cells): for an existing user the
   * mailbox's location (`colocrouteaddr`) never moves by derivation.
   */
  derived?: ReadonlySet<string>;
  /** Directory attributes an update deletes (a sync's `--empty-clears`: their cells are empty). */
  clear?: readonly string[];
}

/** A spec with every optional list filled, for callers that build specs by hand. */
export function userSpec(fields: Partial<UserSpec> & Pick<UserSpec, 'username' | 'surname' | 'mail' | 'colocrouteaddr'>): UserSpec {
  return { aliases: [], disable: [], groups: [], attributes: {}, ...fields };
}

/**
 * A request for a user, as a door (a CSV row, `adduser`, the daemon) gives it:
 * a spec whose mandatory data may be left out where the user exists already or
 * the back-ends that need it are not written. The user service completes it.
 */
export type UserInput = Omit<UserSpec, 'surname' | 'mail' | 'colocrouteaddr'> & Partial<Pick<UserSpec, 'surname' | 'mail' | 'colocrouteaddr'>>;
