import type { Config } from '../../config/config.js';
import type { AttributeChange } from '../../model/attribute-change.js';
import { isBelow } from '../../model/dn.js';
import type { UserInput } from '../../model/user-spec.js';
import type { DirectoryUser } from '../backends.js';
import { updatableAttributes, userEntry } from './user-entry.js';

/**
 * The changes of a user's entry, computed without the server: the directory
 * writes exactly these lists, and a sync's plan shows them, so a plan is what
 * its apply writes. Attribute names are the paper's; the directory translates
 * them at its edge.
 */

/** Every value of an attribute, its name matched without case. */
function values(user: Pick<DirectoryUser, 'attributes'>, name: string): readonly string[] {
  const lower = name.toLowerCase();
  const key = Object.keys(user.attributes).find((k) => k.toLowerCase() === lower);
  return key === undefined ? [] : user.attributes[key];
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((v) => set.has(v));
}

/** Derived from other attributes: rewritten only when those change, so a company's own spelling is left alone. */
const FOLLOWS: Readonly<Record<string, readonly string[]>> = { cn: ['sn', 'givenName'], mailDomain: ['mail'] };

/**
 * What an update of `existing` to `spec` writes: each attribute the spec gives
 * differently (never the ids, the password, the classes, the mail servers or what
 * the configuration sets for every new user), `cn` when a name changes, `mailDomain`
 * when the mail does, and the attributes `spec.clear` empties.
 */
export function updateChanges(existing: DirectoryUser, spec: UserInput, config: Readonly<Config>): AttributeChange[] {
  const wanted = updatableAttributes(userEntry(spec, config, { uidNumber: existing.uidNumber ?? 0 }), spec);
  const changes: AttributeChange[] = [];
  for (const [attribute, next] of Object.entries(wanted)) {
    if (FOLLOWS[attribute]) continue;
    const old = values(existing, attribute);
    if (!sameValues(old, next)) changes.push({ attribute, old: [...old], new: next });
  }
  for (const [attribute, sources] of Object.entries(FOLLOWS)) {
    const next = wanted[attribute];
    if (next === undefined || !changes.some((c) => sources.includes(c.attribute))) continue;
    const old = values(existing, attribute);
    if (!sameValues(old, next)) changes.push({ attribute, old: [...old], new: next });
  }
  for (const attribute of spec.clear ?? []) {
    const old = values(existing, attribute);
    if (old.length && !changes.some((c) => c.attribute.toLowerCase() === attribute.toLowerCase())) changes.push({ attribute, old: [...old], new: [] });
  }
  return changes;
}

/** What making an existing user one of a feed's writes (a take-over): the class, the feed and the person's key. */
export function manageChanges(user: DirectoryUser, feed: string, key: string): AttributeChange[] {
  const changes: AttributeChange[] = [];
  if (!values(user, 'objectClass').some((c) => c.toLowerCase() === 'oxprovmanaged')) changes.push({ attribute: 'objectClass', old: [...values(user, 'objectClass')], new: ['oxprovManaged'], op: 'add' });
  for (const [attribute, value] of [['oxprovFeed', feed], ['oxprovKey', key]] as const) {
    const old = values(user, attribute);
    if (!sameValues(old, [value])) changes.push({ attribute, old: [...old], new: [value] });
  }
  return changes;
}

/**
 * What disabling a leaver (mail, IMAP login and bind refused: the password hash put
 * aside, the date recorded) or enabling a returner (the hash put back) writes. An
 * entry fitted in place keeps the company's password: binding to the company's
 * directory is the company's to decide. Empty when the user already is so.
 */
export function enableChanges(user: DirectoryUser, enabled: boolean, today: string, config: Readonly<Config>): AttributeChange[] {
  const enabledNow = values(user, 'mailEnabled')[0] === 'OK';
  const saved = values(user, 'oxprovSavedPassword')[0];
  const password = values(user, 'userPassword')[0];
  const own = isBelow(user.dn, config.ldap.peopleDn);
  const set = (attribute: string, next: string[], secret = false): AttributeChange => ({ attribute, old: [...values(user, attribute)], new: next, ...(secret ? { secret } : {}) });
  if (enabled) {
    if (enabledNow && saved === undefined) return [];
    const changes = [set('mailEnabled', ['OK'])];
    if (values(user, 'oxprovDisabledAt').length) changes.push(set('oxprovDisabledAt', []));
    // The password the person had before leaving comes back with them.
    if (saved !== undefined) changes.push(set('userPassword', [saved], true), set('oxprovSavedPassword', [], true));
    return changes;
  }
  if (!enabledNow && (password === undefined || !own)) return [];
  const changes: AttributeChange[] = [];
  if (!values(user, 'objectClass').some((c) => c.toLowerCase() === 'oxprovmanaged')) changes.push({ attribute: 'objectClass', old: [...values(user, 'objectClass')], new: ['oxprovManaged'], op: 'add' });
  changes.push(set('mailEnabled', ['NO']), set('oxprovDisabledAt', [today]));
  if (password !== undefined && own) changes.push(set('oxprovSavedPassword', [password], true), set('userPassword', [], true));
  return changes;
}
