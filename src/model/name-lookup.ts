/**
 * What the directory says about the names a batch of rows derives: the answer of
 * one look-up per name stem (`hans.mueller*`, `hans.mueller*@example.de`), asked
 * before the rows' names are decided, so that they are decided in file order, in
 * memory, with one rule for every door (see src/mapping/claim-names.ts).
 */

/** A user that holds a name or an address. */
export interface NameHolder {
  readonly username: string;
  /** Its `mail`, if any. */
  readonly mail?: string;
  /** Its mail and aliases. */
  readonly addresses: readonly string[];
  /** The sync feed that manages it, if any. */
  readonly feed?: string;
}

/** The users a look-up found, by name and by address. Synchronous: the look-up is done. */
export interface NameLookup {
  /** The user with this name (any case), or undefined. */
  user(username: string): NameHolder | undefined;
  /** The name of the user that holds this address as mail or alias (any case), or undefined. */
  addressOwner(address: string): string | undefined;
}

/**
 * The values a derived name can take: `prefix`, then the iteration token (nothing,
 * `2`, `3`, …), then `suffix`. A stem without a varying part is one exact value.
 */
export interface NameStem {
  readonly kind: 'username' | 'address';
  readonly prefix: string;
  readonly suffix: string;
  /** The value does not vary: look up exactly `prefix`. */
  readonly exact?: boolean;
}

/** A look-up that knows nobody: the directory is not part of this run. */
export const NO_NAMES: NameLookup = { user: () => undefined, addressOwner: () => undefined };

/** A look-up over a list of users (a stem search's answer, or a test's directory). */
export function nameLookupOf(holders: Iterable<NameHolder>): NameLookup {
  const byName = new Map<string, NameHolder>();
  const byAddress = new Map<string, string>();
  for (const h of holders) {
    byName.set(h.username.toLowerCase(), h);
    for (const a of h.addresses) if (!byAddress.has(a.toLowerCase())) byAddress.set(a.toLowerCase(), h.username);
  }
  return { user: (n) => byName.get(n.toLowerCase()), addressOwner: (a) => byAddress.get(a.toLowerCase()) };
}

/**
 * The one rule for "is this user the person of this request?", when the request
 * names no key: it is, unless both have a mail and the request's is not one of
 * the user's own addresses (the person's old address, kept as an alias when the
 * mail changed, is still the person).
 */
export function samePerson(holder: Pick<NameHolder, 'mail' | 'addresses'>, mail: string | undefined): boolean {
  if (!holder.mail || !mail) return true;
  const m = mail.toLowerCase();
  return holder.addresses.some((a) => a.toLowerCase() === m);
}

/** The iteration token of iteration `n`: nothing for the first, then `2`, `3`, … (as user names were suffixed before). */
export function iterationToken(n: number): string {
  return n === 0 ? '' : String(n + 1);
}
