/**
 * The input fields a row can carry: the paper's `adduser` long options (chapter
 * 3.1), matched case-insensitively. Any other column is an extra LDAP attribute.
 */
export const FIELDS = [
  'username', 'password', 'surname', 'givenname', 'mail', 'alias', 'colocrouteaddr',
  'timezone', 'language', 'country', 'disable', 'globaladdressbook', 'activated',
  'changepasswd', 'quotasize', 'groups', 'ox_user_create_imap_template',
  // Several mail servers: the name of the user's server (`imap2`), written as its imapServer/smtpServer.
  'imapserver',
] as const;
export type Field = (typeof FIELDS)[number];

/**
 * The paper's mandatory parameters but `colocrouteaddr`, which the user service derives from the
 * user's mail server when it is not given (`user@<routeDomain>`, `user@localhost` on one site);
 * `password` is added unless passwords are generated.
 */
export const MANDATORY_FIELDS: readonly Field[] = ['username', 'surname', 'mail'];

/** Fields whose cells hold a comma-separated list. */
export const LIST_FIELDS: readonly Field[] = ['alias', 'disable', 'groups'];

/** Fields whose values must never appear in an error, a note or a log. */
export const SECRET_FIELDS: readonly Field[] = ['password'];

/** Fields whose cells are the paper's yes/no flags. */
export const FLAG_FIELDS = ['globaladdressbook', 'activated', 'changepasswd'] as const;

/** Length limits: 64 is the usual IMAP/LDAP login limit, 254 the SMTP path limit (RFC 5321). */
export const MAX_LENGTH: Readonly<Partial<Record<Field, number>>> = {
  username: 64, mail: 254, alias: 254, colocrouteaddr: 254, language: 16, timezone: 64, country: 64,
};
/** The limit of every other value, extra attributes included unless the schema says otherwise. */
export const DEFAULT_MAX_LENGTH = 256;

const BY_LOWER = new Map<string, Field>(FIELDS.map((f) => [f, f]));

/** The field a header or template name stands for, or undefined for an LDAP attribute. */
export function fieldByName(name: string): Field | undefined {
  return BY_LOWER.get(name.trim().toLowerCase());
}

export function isSecretField(field: string | undefined): boolean {
  return field !== undefined && (SECRET_FIELDS as readonly string[]).includes(field);
}
