/** Who first used an address, and as what. */
export interface AddressOwner {
  line: number;
  kind: 'mail' | 'alias';
}

/**
 * The user names and addresses already used in the input, kept by the pipeline
 * across rows (and across files of one run, if it passes the same tracker).
 * Memory grows with the rows: two map entries per user and alias.
 *
 * Names are compared without case: LDAP `uid` and mail domains match case-insensitively,
 * and treating local parts the same way avoids two mailboxes differing only by case.
 */
export class SeenTracker {
  readonly #usernames = new Map<string, number>();
  readonly #addresses = new Map<string, AddressOwner>();
  /** Next suffix to try per base name, so that 1,000 "thomas.mueller" stay linear. */
  readonly #nextSuffix = new Map<string, number>();

  /** The line that first used `username`, if any. */
  usernameOwner(username: string): number | undefined {
    return this.#usernames.get(username.toLowerCase());
  }

  /** The line that first used `address` as a mail or an alias, if any. */
  addressOwner(address: string): AddressOwner | undefined {
    return this.#addresses.get(address.toLowerCase());
  }

  claimUsername(username: string, line: number): void {
    const key = username.toLowerCase();
    if (!this.#usernames.has(key)) this.#usernames.set(key, line);
  }

  claimAddress(address: string, line: number, kind: AddressOwner['kind']): void {
    const key = address.toLowerCase();
    if (!this.#addresses.has(key)) this.#addresses.set(key, { line, kind });
  }

  /**
   * `base` if no row has used it, else the first free `base2`, `base3`, …; the
   * base is shortened so that the result stays within `maxLength`.
   */
  freeUsername(base: string, maxLength = 64): string {
    if (this.usernameOwner(base) === undefined) return base;
    const key = base.toLowerCase();
    for (let n = this.#nextSuffix.get(key) ?? 2; ; n++) {
      const suffix = String(n);
      const candidate = base.slice(0, maxLength - suffix.length) + suffix;
      if (this.usernameOwner(candidate) === undefined) {
        this.#nextSuffix.set(key, n + 1);
        return candidate;
      }
    }
  }
}
