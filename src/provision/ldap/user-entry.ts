import type { Config } from '../../config/config.js';
import type { UserInput } from '../../model/user-spec.js';

export type EntryAttributes = Record<string, string[]>;

const DAY_MS = 86_400_000;

/**
 * The LDAP attributes of a user, as in the paper's example entry (chapter 5.1.1).
 * Ids and the password hash are passed in: this function is pure. Fields the
 * input leaves out give no attribute (the user service completes a new user's
 * input before it gets here).
 */
export function userEntry(spec: UserInput, config: Readonly<Config>, ids: { uidNumber: number; passwordHash?: string }): EntryAttributes {
  // The user's own mail server (the user service names it), else the default one (listed first).
  const server = config.mail?.servers.find((s) => s.name === spec.mailServer) ?? config.mail?.servers[0];
  const a: EntryAttributes = {
    objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'posixAccount', 'shadowAccount', 'OXUserObject', ...config.ldap.userClasses],
    uid: [spec.username],
    // The paper: only OK may log in to IMAP and receive mail; a user created deactivated cannot.
    mailEnabled: [spec.activated === false ? 'NO' : 'OK'],
    imapServer: [server?.imapServer ?? config.ldap.imapServer],
    smtpServer: [server?.smtpServer ?? config.ldap.smtpServer],
    OXAppointmentDays: [String(config.defaults.appointmentDays)],
    OXTaskDays: [String(config.defaults.taskDays)],
    OXTimeZone: [spec.timezone ?? config.defaults.timezone],
    uidNumber: [String(ids.uidNumber)],
    gidNumber: [String(config.ldap.usersGidNumber)],
    homeDirectory: [config.defaults.homeDirectory.replace('{username}', spec.username)],
    loginShell: [config.defaults.loginShell],
  };
  if (spec.surname) {
    a.sn = [spec.surname];
    a.cn = [spec.givenname ? `${spec.surname}, ${spec.givenname}` : spec.surname];
  }
  if (spec.mail) {
    a.mail = [spec.mail];
    a.mailDomain = [spec.mail.slice(spec.mail.lastIndexOf('@') + 1).toLowerCase()];
  }
  if (spec.colocrouteaddr) a.colocRouteAddr = [spec.colocrouteaddr];
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
  if (spec.managed) {
    a.objectClass.push('oxprovManaged');
    a.oxprovFeed = [spec.managed.feed];
    a.oxprovKey = [spec.managed.key];
  }
  return a;
}

/**
 * Attributes an update may rewrite: those that come from the user's data. Never
 * the ids, the password, the classes, nor what the configuration sets for every
 * new user (servers, portal days, home, shell): an update must not move a
 * mailbox or reset what the user changed in the groupware.
 */
const NEVER_UPDATED = /^(objectClass|uid|uidNumber|gidNumber|userPassword|shadowLastChange|imapServer|smtpServer|OXAppointmentDays|OXTaskDays|homeDirectory|loginShell|oxprovFeed|oxprovKey|oxprovDisabledAt|oxprovSavedPassword|oxprovPending)$/i;

export function updatableAttributes(entry: EntryAttributes, spec: UserInput): EntryAttributes {
  const out: EntryAttributes = {};
  for (const [k, v] of Object.entries(entry)) if (!NEVER_UPDATED.test(k)) out[k] = v;
  // The time zone is the configured default when the user has none: only a given one is written.
  if (spec.timezone === undefined) delete out.OXTimeZone;
  return out;
}
