import type { Config } from '../../config/config.js';
import type { UserSpec } from '../user-spec.js';

export type EntryAttributes = Record<string, string[]>;

const DAY_MS = 86_400_000;

/**
 * The LDAP attributes of a user, as in the paper's example entry (chapter 5.1.1).
 * Ids and the password hash are passed in: this function is pure.
 */
export function userEntry(spec: UserSpec, config: Readonly<Config>, ids: { uidNumber: number; passwordHash?: string }): EntryAttributes {
  const a: EntryAttributes = {
    objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'posixAccount', 'shadowAccount', 'OXUserObject'],
    uid: [spec.username],
    sn: [spec.surname],
    cn: [spec.givenname ? `${spec.surname}, ${spec.givenname}` : spec.surname],
    mail: [spec.mail],
    // The paper: only OK may log in to IMAP and receive mail; a user created deactivated cannot.
    mailEnabled: [spec.activated === false ? 'NO' : 'OK'],
    mailDomain: [spec.mail.slice(spec.mail.lastIndexOf('@') + 1).toLowerCase()],
    colocRouteAddr: [spec.colocrouteaddr],
    imapServer: [config.ldap.imapServer],
    smtpServer: [config.ldap.smtpServer],
    OXAppointmentDays: [String(config.defaults.appointmentDays)],
    OXTaskDays: [String(config.defaults.taskDays)],
    OXTimeZone: [spec.timezone ?? config.defaults.timezone],
    uidNumber: [String(ids.uidNumber)],
    gidNumber: [String(config.ldap.usersGidNumber)],
    homeDirectory: [config.defaults.homeDirectory.replace('{username}', spec.username)],
    loginShell: [config.defaults.loginShell],
  };
  if (spec.givenname) a.givenName = [spec.givenname];
  if (spec.aliases.length) a.alias = [...spec.aliases];
  if (spec.country) a.userCountry = [spec.country];
  if (spec.language) a.preferredLanguage = [spec.language];
  if (spec.quotaMB !== undefined) a[config.ldap.quotaAttribute] = [String(spec.quotaMB)];
  if (ids.passwordHash) {
    a.userPassword = [ids.passwordHash];
    // shadowLastChange 0 is the shadow convention for "must change at next login".
    a.shadowLastChange = [spec.changepasswd ? '0' : String(Math.floor(Date.now() / DAY_MS))];
  }
  for (const [name, values] of Object.entries(spec.attributes)) if (values.length) a[name] = [...values];
  return a;
}

/** Attributes an update may rewrite: all but the ids, the password and the object classes. */
export function updatableAttributes(entry: EntryAttributes): EntryAttributes {
  const out: EntryAttributes = {};
  for (const [k, v] of Object.entries(entry)) {
    if (!/^(objectClass|uid|uidNumber|gidNumber|userPassword|shadowLastChange)$/i.test(k)) out[k] = v;
  }
  return out;
}
