import { FoldedHashTable } from './folded-hash-table.js';

/** Who first used an address, and as what. */
export interface AddressOwner {
  line: number;
  kind: 'mail' | 'alias';
}

/** Lines are kept in 31 bits, next to the address kind. */
const MAX_LINE = 0x7fffffff;

/**
 * The user names and addresses already used in the input, kept by the pipeline
 * across rows (and across files of one run, if it passes the same tracker).
 *
 * Memory grows with the rows, but off the JavaScript heap and by about 16–24
 * bytes per user name and address: the names themselves are not kept, only a
 * 64-bit hash and the line (see {@link FoldedHashTable}). Two different names
 * with the same hash would be taken for a duplicate, with a chance of about
 * 1e-7 for a file of a million users with an alias each: the row would be rejected
 * as a duplicate, a safe failure, never two users sharing a name.
 *
 * Names are compared without case: LDAP `uid` and mail domains match case-insensitively,
 * and treating local parts the same way avoids two mailboxes differing only by case.
 */
export class SeenTracker {
  readonly #usernames = new FoldedHashTable();
  /** line × 2, + 1 for an alias. */
  readonly #addresses = new FoldedHashTable();
  /** Next suffix to try per base name, so that 1,000 "thomas.mueller" stay linear; only bases that collided are here. */
  readonly #nextSuffix = new Map<string, number>();
  /** Per stem of derived names, the first iteration not known to be used by the input (see claim-names.ts). */
  readonly #firstIteration = new Map<string, number>();

  /** The line that first used `username`, if any. */
  usernameOwner(username: string): number | undefined {
    return this.#usernames.get(username);
  }

  /** The line that first used `address` as a mail or an alias, if any. */
  addressOwner(address: string): AddressOwner | undefined {
    const v = this.#addresses.get(address);
    return v === undefined ? undefined : { line: v >>> 1, kind: (v & 1) === 1 ? 'alias' : 'mail' };
  }

  /** Lines must be below 2³¹. */
  claimUsername(username: string, line: number): void {
    this.#usernames.setIfAbsent(username, checkLine(line));
  }

  /** Lines must be below 2³¹. */
  claimAddress(address: string, line: number, kind: AddressOwner['kind']): void {
    this.#addresses.setIfAbsent(address, checkLine(line) * 2 + (kind === 'alias' ? 1 : 0));
  }

  /**
   * Where a row whose derived names start as `stem` begins to look for free ones:
   * every iteration below it is used by earlier rows of the input, so that a
   * thousand namesakes stay linear. Only stems that collided take memory.
   */
  firstIteration(stem: string): number {
    return this.#firstIteration.get(stem.toLowerCase()) ?? 0;
  }

  /** Every iteration of `stem` below `n` is used by rows of the input. */
  usedBelow(stem: string, n: number): void {
    const key = stem.toLowerCase();
    if (n > (this.#firstIteration.get(key) ?? 0)) this.#firstIteration.set(key, n);
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

function checkLine(line: number): number {
  if (!(Number.isInteger(line) && line >= 0 && line <= MAX_LINE)) throw new RangeError(`line must be a whole number from 0 to ${MAX_LINE}, got ${line}`);
  return line;
}
