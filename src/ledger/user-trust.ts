import crypto from 'node:crypto';
import type { UserInput } from '../model/user-spec.js';
import type { RunStore, UserState } from '../provision/run-store.js';

export type { UserState };

/** Options of {@link UserTrust}. */
export interface UserTrustOptions {
  readonly store: RunStore;
  readonly runId?: string;
  /**
   * Everything besides the row that decides what is written: the mapping, the config,
   * the run's options (see {@link settingsDigest}). A change of any gives every row a new
   * fingerprint, so nothing is trusted across it.
   */
  readonly digest: string;
  /** `--verify`: every known user is checked in the back-ends, none trusted. */
  readonly verifyAll: boolean;
  /** The percentage of known users checked all the same in each run, chosen in turn (default 1). */
  readonly sharePercent: number;
  /** This run's turn in the rotation: over a hundred runs every user is checked once at 1%. */
  readonly turn: number;
  /** Whether the passwords of rows count: with updates a changed password must be written, so a row with one is never trusted. */
  readonly passwordsMatter: boolean;
  /** The users of these names the directory still has (one search), lower-cased: a user deleted since is never trusted. */
  readonly exists: (usernames: readonly string[]) => Promise<Set<string>>;
}

/** The run a trusted user is unchanged since (`before` for a state older than run ids), and the note that says so. */
export function trustNote(state: Pick<UserState, 'runId'>): { since: string; note: string } {
  const since = state.runId ?? 'before';
  return { since, note: `unchanged since run ${since}: trusted, no back-end asked (--verify checks them)` };
}

/** A user written completely: the request, each back-end's outcome and, for a sync, the person's feed, key and row print. */
export interface Remembered {
  readonly input: UserInput;
  readonly steps: Readonly<Record<string, string>>;
  readonly row?: { readonly feed: string; readonly key: string; readonly print: string };
}

/** What a check of a batch found. */
export interface TrustCheck {
  /** Users trusted as unchanged, by name: what oxprov last wrote for them. */
  readonly trusted: ReadonlyMap<string, UserState>;
  /** Users whose state was equal but that are checked all the same (their turn, or `--verify`). */
  readonly verified: ReadonlySet<string>;
  /** Every user of the batch with a state remembered, trusted or not. */
  readonly known: ReadonlySet<string>;
}

/** What a request's fingerprint leaves out: its password (a changed password alone is no change), and who manages it. */
const NOT_FINGERPRINTED: ReadonlySet<string> = new Set(['password', 'passwordHash', 'managed']);

/**
 * oxprov remembers what it wrote: a fingerprint of each user's desired state
 * as last applied (oxprov_runs.user_state). A row whose fingerprint is the same
 * again, whose user the directory still has, is trusted as unchanged: no back-end
 * is asked for it. What changed behind oxprov's back is found by `--verify`, and by
 * the share of every run that is checked in turn.
 */
export class UserTrust {
  constructor(private readonly options: UserTrustOptions) {}

  /**
   * The fingerprint of a request: its values (never its password) and the run's settings.
   * A sync's feed and key are not part of it: the user was found by them.
   */
  fingerprint(input: UserInput): string {
    // One call, not a Hash object per row (the same bytes: digest, NUL, values): a tenth of a re-run's time was hashing.
    return crypto.hash('sha256', `${this.options.digest}\0${canonical(input, NOT_FINGERPRINTED) ?? ''}`, 'base64url');
  }

  /**
   * The fingerprint of a sync's row before its names are decided (the mapped values, never a
   * password, the fields derived, the values to clear, the entry in place) with the run's
   * settings: equal to the one stored for the person's key, the person is trusted without
   * reading any back-end, their names included (a known person keeps the names they have).
   */
  rowPrint(row: { readonly spec: Readonly<Record<string, unknown>>; readonly derived: ReadonlySet<string>; readonly clear?: readonly string[]; readonly dn?: string }): string {
    const { password: _p, passwordHash: _h, ...values } = row.spec;
    return crypto.hash('sha256', `${this.options.digest}\0row\0${canonical({ values, derived: row.derived, clear: row.clear ?? [], dn: row.dn ?? null }) ?? ''}`, 'base64url');
  }

  /** What oxprov last wrote for a feed's people, by lower-cased key. */
  statesByKey(feed: string, keys: readonly string[]): Promise<Map<string, UserState[]>> {
    return this.options.store.userStatesByKey(feed, keys);
  }

  /** Forgets what was written for users about to be written again or leaving: until a write completes, none of them is trusted. */
  forget(usernames: readonly string[]): Promise<void> {
    return this.options.store.forgetStates(usernames);
  }

  /** Whether a user is due to be checked in this run although known. */
  due(username: string): boolean {
    if (this.options.verifyAll) return true;
    const slot = fnv1a(username.toLowerCase()) % 100;
    return (slot - (this.options.turn % 100) + 100) % 100 < this.options.sharePercent;
  }

  /** What oxprov last wrote for these users, read ahead (a sync reads it with a part's other rows); pass it to {@link check}. */
  states(usernames: readonly string[]): Promise<Map<string, UserState>> {
    return this.options.store.userStates(usernames);
  }

  /** `read`: the states of (at least) these users, read ahead by {@link states}; else they are read here. */
  async check(inputs: readonly UserInput[], read?: ReadonlyMap<string, UserState>): Promise<TrustCheck> {
    const trusted = new Map<string, UserState>();
    const verified = new Set<string>();
    if (inputs.length === 0) return { trusted, verified, known: new Set() };
    const states = read ?? await this.options.store.userStates(inputs.map((i) => i.username));
    const known = new Set(inputs.flatMap((i) => (states.has(i.username) ? [i.username] : [])));
    const candidates: [UserInput, UserState][] = [];
    for (const input of inputs) {
      if (this.options.passwordsMatter && (input.password !== undefined || input.passwordHash !== undefined)) continue;
      const state = states.get(input.username);
      if (!state || state.fingerprint !== this.fingerprint(input)) continue;
      if (this.due(input.username)) verified.add(input.username);
      else candidates.push([input, state]);
    }
    if (candidates.length === 0) return { trusted, verified, known };
    const present = await this.options.exists(candidates.map(([i]) => i.username));
    for (const [input, state] of candidates) if (present.has(input.username.toLowerCase())) trusted.set(input.username, state);
    return { trusted, verified, known };
  }

  /** Records what a batch wrote: each complete user's fingerprint and steps, and a sync's feed, key and row print. */
  async remember(written: readonly Remembered[]): Promise<void> {
    await this.options.store.rememberStates(written.map(({ input, steps, row }) => ({
      username: input.username, fingerprint: this.fingerprint(input), steps, runId: this.options.runId,
      ...(row ? { feed: row.feed, key: row.key.toLowerCase(), rowPrint: row.print } : {}),
    })));
  }
}

/**
 * The settings of a run that decide what is written besides the row itself, as one
 * digest: the config without its secrets, the mapping, the folder templates, the options.
 */
export function settingsDigest(parts: Readonly<Record<string, unknown>>): string {
  const noSecrets = JSON.stringify(parts, (key, value: unknown) => {
    // The queue's settings change how a run is carried out, never what it writes.
    if (/pass|secret|apikey|token/i.test(key) || key === 'queue') return undefined;
    // A URL's own password (postgres://oxprov:…@host) goes too.
    return typeof value === 'string' ? value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1@') : value;
  });
  return crypto.createHash('sha256').update(noSecrets).digest('base64url');
}

/**
 * JSON with the keys of every object sorted, sets as sorted arrays: equal values, equal text.
 * The same text as `JSON.stringify` with a sorting replacer (which stays below as the
 * reference of the unit test): the value is copied with its keys in order, leaving out
 * `omit` at the top, and the copy serialized by `JSON.stringify` itself. A replacer called
 * for every key was a twentieth of an unchanged run's time; a serializer written out in
 * JavaScript built the text from hundreds of small strings a row, a sixth of what a re-run
 * allocated.
 */
export function canonical(value: unknown, omit?: ReadonlySet<string>): string | undefined {
  return JSON.stringify(sortedCopy(value, omit));
}

/** The value with every object's keys in order and sets as sorted arrays; what needs no change is not copied. */
function sortedCopy(value: unknown, omit?: ReadonlySet<string>): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'bigint') throw new TypeError('a fingerprint cannot hold a bigint');
    return value;
  }
  if (value instanceof Set) return [...value].map(String).sort();
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return sortedCopy((value as { toJSON: () => unknown }).toJSON());
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const c = sortedCopy(v);
      if (c !== v) (copy ??= value.slice())[i] = c;
    }
    return copy ?? value;
  }
  const keys = keysInOrder(value);
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || omit?.has(k)) continue;
    if (k === '__proto__') Object.defineProperty(out, k, { value: sortedCopy(v), enumerable: true, writable: true, configurable: true });
    else out[k] = sortedCopy(v);
  }
  return out;
}

/** Orders of keys seen lately: the rows of a run share a few shapes of object, and sorting each was a twentieth of what a re-run allocated. */
const ORDERS: { readonly from: readonly string[]; readonly to: readonly string[] }[] = [];
const ORDERS_KEPT = 16;
let nextOrder = 0;

/**
 * An object's own keys sorted by UTF-16 code units, as `<` compares (integer keys come first in
 * any object, as in the reference's). A plain object whose keys come in an order seen before is
 * matched with `for…in`, which allocates nothing; any other is read with `Object.keys`.
 */
function keysInOrder(value: object): readonly string[] {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    for (const order of ORDERS) {
      let i = 0;
      let same = true;
      for (const k in value) {
        if (order.from[i++] !== k) {
          same = false;
          break;
        }
      }
      if (same && i === order.from.length) return order.to;
    }
  }
  const from = Object.keys(value);
  let to: readonly string[] = from;
  for (let i = 1; i < from.length; i++) {
    if (from[i - 1] > from[i]) {
      to = [...from].sort();
      break;
    }
  }
  if (proto === Object.prototype || proto === null) {
    ORDERS[nextOrder] = { from, to };
    nextOrder = (nextOrder + 1) % ORDERS_KEPT;
  }
  return to;
}

/** The reference of {@link canonical}: what fingerprints were written with, kept equal by a unit test. */
export function canonicalByReplacer(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Set) return [...v].map(String).sort();
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return v;
  });
}

/** FNV-1a, 32 bits: a user's slot in the rotation of what is checked. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
