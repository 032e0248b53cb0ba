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
    const { password: _p, passwordHash: _h, managed: _m, ...values } = input;
    // One call, not a Hash object per row (the same bytes: digest, NUL, values): a tenth of a re-run's time was hashing.
    return crypto.hash('sha256', `${this.options.digest}\0${canonical(values) ?? ''}`, 'base64url');
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
 * reference of the unit test), written out because a replacer called for every key was a
 * twentieth of an unchanged run's time.
 */
export function canonical(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      throw new TypeError('a fingerprint cannot hold a bigint');
  }
  if (value instanceof Set) return canonical([...value].map(String).sort());
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonical((value as { toJSON: () => unknown }).toJSON());
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v) ?? 'null').join(',')}]`;
  // Sorted; as an object's own order puts integer keys first, ascending, so does the reference.
  const sorted = Object.keys(value as object).sort(); // by UTF-16 code units, as `<` compares
  const keys = sorted.some(isIndex) ? [...sorted.filter(isIndex).sort((a, b) => Number(a) - Number(b)), ...sorted.filter((k) => !isIndex(k))] : sorted;
  let out = '';
  for (const k of keys) {
    const v = canonical((value as Record<string, unknown>)[k]);
    if (v === undefined) continue;
    out += `${out ? ',' : ''}${quote(k)}:${v}`;
  }
  return `{${out}}`;
}

/** A string as JSON: most need no escape, and are quoted without asking JSON.stringify. */
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** Whether a key is an array index, which objects keep first. */
function isIndex(k: string): boolean {
  const c = k.charCodeAt(0);
  return c >= 48 && c <= 57 && /^(0|[1-9]\d{0,9})$/.test(k) && Number(k) < 4294967295;
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
