import { escapeFilterValue } from './ldap-escape.js';

/**
 * The LDAP filter term of the users a mail server serves (several mail servers), to
 * add to its userdb and passdb filters, so that no server shows a mailbox, or folders
 * made on demand, to a user whose mail lives elsewhere: its own `imapServer`; for the
 * default server (listed first) every `imapServer` but the others' (users made before
 * there were several keep theirs). Empty with one server. A `%` is doubled: Dovecot and
 * saslauthd expand `%` variables in their filters.
 */
export function mailServerUsersFilter(servers: readonly { name: string; imapServer: string }[], name: string, attribute = 'imapServer'): string {
  if (servers.length < 2) return '';
  const term = (s: { imapServer: string }) => `(${attribute}=${escapeFilterValue(s.imapServer).replace(/%/g, '%%')})`;
  const own = servers.find((s) => s.name === name);
  if (own === undefined) throw new Error(`no mail server named ${name}`);
  return own === servers[0] ? `(!(|${servers.slice(1).map(term).join('')}))` : term(own);
}
