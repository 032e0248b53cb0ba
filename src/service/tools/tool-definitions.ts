import type { Backend } from '../../errors.js';
import type { ToolName } from './tool-contract.js';

/** One `--option` of a tool, as chapter 3 of the whitepaper documents it. */
export interface ToolOption {
  /** Canonical name, lower case; matched case-insensitively on the command line. */
  readonly name: string;
  /** Value shown in the help, as in the paper's `--username=john`. */
  readonly example: string;
  /** From the paper, shortened to one line. */
  readonly description: string;
  /** Always required. */
  readonly mandatory: boolean;
  /**
   * Required only when one of these back-ends is written (adduser: the
   * paper's `--source_only=groupware` call passes neither password nor mail).
   */
  readonly mandatoryFor?: readonly Backend[];
  /** Not required, but the help marks it: the paper calls it mandatory or strongly advises it. */
  readonly recommended?: boolean;
  /** A password: also read from `--NAME-file`, `OXPROV_NAME[_FILE]` or a prompt; never printed. */
  readonly secret?: boolean;
  /** A comma-separated list; the value is still passed on as the string typed. */
  readonly list?: boolean;
  /** Allowed values (of each item, for a list), compared case-insensitively and passed on in lower case. */
  readonly choices?: readonly string[];
  /** Shape of the value, with the words the error uses ("a whole number of MB"). */
  readonly pattern?: { readonly regex: RegExp; readonly text: string };
}

/** One admin tool: its paper description and its options. */
export interface ToolDefinition {
  readonly name: ToolName;
  /** One line, for `oxprov --help`. */
  readonly summary: string;
  readonly options: readonly ToolOption[];
  /** adduser only: any other `--attribute=value` is an extra LDAP attribute of the new user. */
  readonly extraLdapAttributes: boolean;
}

export const BACKENDS: readonly Backend[] = ['ldap', 'sql', 'groupware', 'imap'];
const YES_NO = ['yes', 'no'] as const;
const WHOLE_MB = { regex: /^\d{1,9}$/, text: 'a whole number of MB' } as const;

const opt = (name: string, example: string, description: string, extra: Partial<ToolOption> = {}): ToolOption =>
  Object.freeze({ name, example, description, mandatory: false, ...extra });
const must = (name: string, example: string, description: string, extra: Partial<ToolOption> = {}): ToolOption =>
  opt(name, example, description, { ...extra, mandatory: true });

const ADMIN: readonly ToolOption[] = [
  must('adminuser', 'mailadmin', 'the user name of the system administrator (normally mailadmin)'),
  must('adminpasswd', 'secret', 'the password of the system administrator', { secret: true }),
];
const MEMBERS = (what: string) =>
  must('members', 'sm,smtest', `the user names of the users ${what}; separate multiple names with commas`, { list: true });
const RESOURCE_MEMBERS = (what: string) =>
  must('members', 'beamer1,room101', `the names of the resources ${what}; separate multiple names with commas`, { list: true });
const SOURCE_ONLY = (verb: string) =>
  opt('source_only', 'groupware', `${verb} only these back-ends (comma list of ldap, sql, groupware, imap); default all`, {
    list: true,
    choices: BACKENDS,
  });

const DEFINITIONS: readonly ToolDefinition[] = [
  {
    name: 'adduser',
    summary: 'add a new user to LDAP, the database, the groupware and the mail store',
    extraLdapAttributes: true,
    options: [
      ...ADMIN,
      must('username', 'john', 'the name of the new user to create'),
      opt('password', 'secretpass', 'the password of the new user to create', { secret: true, mandatoryFor: ['ldap'] }),
      opt('surname', 'Doe', 'the surname/last name of the new user to create', { mandatoryFor: ['ldap'] }),
      opt('alias', 'john@example1.tux,j.doe@example2.tux',
        'all e-mail addresses the user receives mail for, separated by commas (the paper lists it as mandatory)',
        { list: true, recommended: true }),
      opt('mail', 'john@yourdomain.org', 'the default e-mail address (default sender address in groupware and web mail)', {
        mandatoryFor: ['ldap'],
      }),
      opt('colocrouteaddr', 'john@localhost', 'the location of the physical mailbox (the paper lists it as mandatory); default <user name>@<route domain of the user\'s mail server>, <user name>@localhost on a one-location site', {
        recommended: true,
      }),
      opt('imapserver', 'imap2', 'the configured mail server the mailbox lives on (several mail servers); default the default server'),
      opt('givenname', 'Johnny', 'the given name/first name of the new user to create'),
      opt('timezone', 'Europe/Berlin', 'the time zone in which the user normally works'),
      opt('language', 'EN', 'the language of the web front-ends (DE, EN, FR); also names the mail and groupware folders', {
        recommended: true,
      }),
      opt('country', 'DE', 'the country where the user is normally located'),
      opt('disable', 'forum,pinboard',
        'groupware modules to deny, separated by commas: bookmarks, calendar, contacts, documents, forum, knowledge, pinboard, pinboard_public, projects, tasks, webmail',
        { list: true }),
      opt('globaladdressbook', 'no', 'whether the user may write to the global address book (yes or no)', { choices: YES_NO }),
      opt('activated', 'yes', 'no creates the user disabled: it must be activated before first use (yes or no)', { choices: YES_NO }),
      opt('changepasswd', 'yes', 'whether the user must change the password at the first login (yes or no)', { choices: YES_NO }),
      opt('quotasize', '50', 'the upper limit of the mailbox size in MB', { pattern: WHOLE_MB }),
      opt('groups', 'sales,staff', 'groups the user becomes a member of, besides the primary group users; separated by commas', {
        list: true,
      }),
      opt('creategroups', 'no', 'yes creates the groups of --groups that do not exist yet (no: such a call is refused)', { choices: YES_NO }),
      SOURCE_ONLY('write'),
      opt('ox_user_create_imap_template', 'DE_Thunderbird', 'a non-standard IMAP folder set to create, e.g. DE_Thunderbird'),
    ],
  },
  {
    name: 'deluser',
    summary: 'delete a user from the system',
    extraLdapAttributes: false,
    options: [...ADMIN, must('username', 'john', 'the user name of the user to delete'), SOURCE_ONLY('delete from')],
  },
  {
    name: 'changepasswd',
    summary: 'change the password of an existing user',
    extraLdapAttributes: false,
    options: [
      ...ADMIN,
      must('username', 'john', 'the name of the user which should be modified'),
      must('password', 'newpass', 'the new password for this user', { secret: true }),
    ],
  },
  {
    name: 'setquota',
    summary: 'change the e-mail quota of an existing user',
    extraLdapAttributes: false,
    options: [
      ...ADMIN,
      must('username', 'john', 'the user name of the user whose quota should be set'),
      must('quotasize', '50', 'the upper limit of the mailbox size in MB', { pattern: WHOLE_MB }),
    ],
  },
  {
    name: 'addgroup',
    summary: 'add a new group with at least one member',
    extraLdapAttributes: false,
    options: [...ADMIN, must('groupname', 'testgroup', 'the name of the new group to be created'), MEMBERS('who should be members of this group')],
  },
  {
    name: 'delgroup',
    summary: 'delete a group definition (not its members)',
    extraLdapAttributes: false,
    options: [...ADMIN, must('groupname', 'testgroup', 'the name of the group to delete')],
  },
  {
    name: 'addmembers2group',
    summary: 'add users to an existing group',
    extraLdapAttributes: false,
    options: [...ADMIN, must('groupname', 'testgroup', 'the name of the group which should be modified'), MEMBERS('to add to this group')],
  },
  {
    name: 'delmembersfromgroup',
    summary: 'remove users from a group',
    extraLdapAttributes: false,
    options: [...ADMIN, must('groupname', 'testgroup', 'the name of the group which should be modified'), MEMBERS('to remove from this group')],
  },
  {
    name: 'addresource',
    summary: 'add a resource (a room, a projector) that can be booked',
    extraLdapAttributes: false,
    options: [
      ...ADMIN,
      must('resourcename', 'beamer1', 'the name of the new resource to create'),
      opt('mail', 'beamer1@yourdomain.org', 'the e-mail address of the resource'),
      opt('description', 'Projector, 2nd floor', 'a description of the resource'),
    ],
  },
  {
    name: 'addresourcegroup',
    summary: 'add a resource group with at least one resource',
    extraLdapAttributes: false,
    options: [
      ...ADMIN,
      must('groupname', 'projectors', 'the name of the new resource group to be created'),
      RESOURCE_MEMBERS('which should be members of this resource group'),
      opt('description', 'All projectors', 'a description of the resource group'),
    ],
  },
  {
    name: 'delresource',
    summary: 'delete a resource',
    extraLdapAttributes: false,
    options: [...ADMIN, must('resourcename', 'beamer1', 'the name of the resource to delete')],
  },
  {
    name: 'delresourcegroup',
    summary: 'delete a resource group (not its resources)',
    extraLdapAttributes: false,
    options: [...ADMIN, must('groupname', 'projectors', 'the name of the resource group to delete')],
  },
  {
    name: 'addmembers2resgroup',
    summary: 'add resources to an existing resource group',
    extraLdapAttributes: false,
    options: [
      ...ADMIN,
      must('groupname', 'projectors', 'the name of the resource group which should be modified'),
      RESOURCE_MEMBERS('to add to this resource group'),
    ],
  },
  {
    name: 'delmembersfromresgroup',
    summary: 'remove resources from a resource group',
    extraLdapAttributes: false,
    options: [
      ...ADMIN,
      must('groupname', 'projectors', 'the name of the resource group which should be modified'),
      RESOURCE_MEMBERS('to remove from this resource group'),
    ],
  },
  {
    name: 'showuser',
    summary: 'show what exists for a user in each back-end: entry, database row, folders, mailbox, quota',
    extraLdapAttributes: false,
    options: [...ADMIN, must('username', 'john', 'the user name of the user to show')],
  },
  {
    name: 'listusers',
    summary: 'list users whose name or mail matches a pattern',
    extraLdapAttributes: false,
    options: [
      ...ADMIN,
      opt('filter', 'j*', 'a user name or mail address, * standing for any characters (default: every user)'),
      opt('limit', '100', 'list at most this many (default 100)', { pattern: { regex: /^\d{1,6}$/, text: 'a whole number' } }),
    ],
  },
];

/**
 * Every admin tool, by name. Resources follow the paper's chapter 4 ("completely
 * equivalent to users and groups"): a resource group is named by `--groupname`,
 * like a user group, so scripts and the help read the same for both.
 */
export const TOOL_DEFINITIONS: ReadonlyMap<ToolName, ToolDefinition> = new Map(
  DEFINITIONS.map((d) => [d.name, Object.freeze({ ...d, options: Object.freeze([...d.options]) })]),
);

/** The definition of a tool. */
export function toolDefinition(tool: ToolName): ToolDefinition {
  return TOOL_DEFINITIONS.get(tool)!;
}

/**
 * The known option of a tool with this name (case-insensitive), or undefined.
 * The service uses it too: in adduser's params, a key that is not a known
 * option is an extra LDAP attribute.
 */
export function findToolOption(tool: ToolName, name: string): ToolOption | undefined {
  const lower = name.toLowerCase();
  return toolDefinition(tool).options.find((o) => o.name === lower);
}

/** The back-ends a call writes: `--source_only` when given, else all four. */
export function selectedBackends(sourceOnly: string | undefined): readonly Backend[] {
  if (sourceOnly === undefined) return BACKENDS;
  const wanted = new Set(sourceOnly.split(',').map((s) => s.trim().toLowerCase()));
  return BACKENDS.filter((b) => wanted.has(b));
}

/** True when the option must be given for a call writing these back-ends. */
export function isMandatory(option: ToolOption, backends: readonly Backend[]): boolean {
  return option.mandatory || (option.mandatoryFor?.some((b) => backends.includes(b)) ?? false);
}
