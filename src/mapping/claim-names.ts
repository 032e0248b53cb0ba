import type { OxprovError } from '../errors.js';
import { iterationToken, samePerson, type NameHolder, type NameLookup } from '../model/name-lookup.js';
import type { UserSpec } from '../model/user-spec.js';
import { UNIQUE_FIELDS, type RenderAt } from './resolve-row.js';
import { rowIssue } from './row-issue.js';
import type { SeenTracker } from './seen-tracker.js';

/** A row's values at one iteration, as the mapper renders them. */
export interface Rendered {
  readonly spec: Partial<UserSpec> & { attributes: Record<string, string[]> };
  readonly issues: readonly OxprovError[];
  readonly notes: readonly string[];
  /** The fields that came from a derive rule. */
  readonly derived: ReadonlySet<string>;
  /** The column of each field, for messages. */
  readonly fieldOf: (key: string) => string;
}

/** How the names of a row are decided against the directory. */
export interface ClaimContext {
  /** What the directory holds under the names asked so far; without one, only the input counts. */
  readonly lookup?: NameLookup & {
    knows?(kind: 'username' | 'address', value: string): boolean;
    /** Where rows of one kind (same stem, same identity) begin: every iteration below was refused for such a row, for these reasons. */
    hint?(key: string): { readonly n: number; readonly why: ReadonlyMap<string, string> } | undefined;
    setHint?(key: string, n: number, why: ReadonlyMap<string, string>): void;
  };
  /** The person a sync found by key: they keep their user name, and `{username}` is it. */
  readonly existing?: { readonly username: string };
  /**
   * How a user of the directory under a derived user name is recognised as the row's
   * person: `import` by its mail (the rule of src/model/name-lookup.ts `samePerson`);
   * `sync` only when no feed manages it yet and its mail is the row's (a take-over).
   */
  readonly identity?: 'import' | 'sync';
  /** Iterations asked for at once when the directory has to be asked (grows on each ask for the same row). */
  readonly window?: number;
}

/** The directory must be asked about these names before the row can be decided. */
export interface NeedNames {
  readonly need: { readonly usernames: readonly string[]; readonly addresses: readonly string[] };
}

export type Claimed =
  | { readonly ok: true; readonly rendered: Rendered; readonly iteration: number; readonly holder?: NameHolder; readonly notes: string[] }
  | { readonly ok: false; readonly errors: OxprovError[]; readonly notes: string[]; readonly username?: string };

/** Iterations tried for one row before it is refused: far beyond any real file. */
const MAX_ITERATIONS = 100_000;

/**
 * Decides a row's user name, mail and aliases, in input order, with one rule for
 * every door (midPoint's iteration token): a value given in a cell is the person's
 * own and never changes (a clash rejects the row, naming the owner); derived values
 * that clash with an earlier row or with another person in the directory advance
 * one counter for the row, and all of its derived values are computed again with
 * it, so they stay together (`hans.mueller2`, `hans.mueller2@example.de`). A user
 * of the directory under a derived name who is the row's person ends the search
 * there: that is the person, found again. Pure but for the claims made in `seen`
 * when the row is decided; asks for directory look-ups (`need`) instead of waiting.
 */
export function claimNames(first: Rendered, line: number, seen: SeenTracker, render: (at: RenderAt) => Rendered, ctx: ClaimContext = {}): Claimed | NeedNames {
  if (first.issues.length) {
    // The first row to use a name claims it even when rejected: fixed and loaded again, it must not collide.
    const errors = [...first.issues, ...claimGiven(first, line, seen, false)];
    return { ok: false, errors, notes: [...first.notes], username: first.spec.username };
  }
  const fixed = ctx.existing?.username.toLowerCase();
  const base = fixed !== undefined && fixed !== first.spec.username ? render({ token: '', username: fixed }) : first;
  if (base.issues.length) return { ok: false, errors: [...base.issues], notes: [...base.notes], username: fixed };
  const given = claimGiven(base, line, seen, true, fixed !== undefined);
  if (given.length) {
    claimGiven(base, line, seen, false, fixed !== undefined);
    return { ok: false, errors: given, notes: [...base.notes], username: base.spec.username };
  }
  const varying = UNIQUE_FIELDS.filter((f) => base.derived.has(f) && !(f === 'username' && fixed !== undefined));
  const lookup = ctx.lookup;
  const knows = (kind: 'username' | 'address', v: string) => lookup === undefined || lookup.knows === undefined || lookup.knows(kind, v);
  const identity = ctx.identity ?? 'import';

  if (varying.length === 0) {
    // Nothing can move: in a sync a new person's given user name must still be free or theirs.
    let holder: NameHolder | undefined;
    if (lookup && identity === 'sync' && fixed === undefined && base.spec.username !== undefined) {
      if (!knows('username', base.spec.username)) return { need: { usernames: [base.spec.username], addresses: [] } };
      holder = lookup.user(base.spec.username);
      if (holder && !takesOver(holder, base.spec.mail)) {
        const e = holder.feed
          ? rowIssue('SYNC_OTHER_FEED', `user name ${holder.username} belongs to a user of feed ${holder.feed}`, { line, field: base.fieldOf('username'), value: holder.username })
          : rowIssue('MAP_EXISTS_USERNAME', `user name ${holder.username} already belongs to a user with another mail address`, { line, field: base.fieldOf('username'), value: holder.username });
        claimAll(base, line, seen);
        return { ok: false, errors: [e], notes: [...base.notes], username: base.spec.username };
      }
    }
    claimAll(base, line, seen);
    return { ok: true, rendered: base, iteration: 0, holder, notes: [] };
  }

  const stem = varying.map((f) => valuesOf(base, f).join(',')).join('\u0000');
  // Rows of one stem, identity and given mail are refused the same iterations (by the input and the directory):
  // each starts where the last stopped, so a thousand namesakes stay linear.
  const hintKey = [stem, identity, fixed ?? '', base.derived.has('mail') ? '' : base.spec.mail ?? ''].join('\u0001');
  const hint = lookup?.hint?.(hintKey);
  const start = Math.max(seen.firstIteration(stem), hint?.n ?? 0);
  let fileTakenBelow = seen.firstIteration(stem);
  const why = new Map<string, string>(hint?.why);
  for (let n = start; n < start + MAX_ITERATIONS; n++) {
    const v = n === 0 ? base : render({ token: iterationToken(n), username: fixed });
    if (v.issues.length) return { ok: false, errors: [...v.issues], notes: [...v.notes], username: v.spec.username };
    // Another row of the input has it.
    const inFile = varying.map((f) => valuesOf(v, f).map((value) => [f, value, fileOwner(seen, f, value)] as const).find(([, , o]) => o !== undefined)).find((x) => x !== undefined);
    if (inFile) {
      if (!why.has(inFile[0])) why.set(inFile[0], `${inFile[1]} is already used on line ${inFile[2]}`);
      if (fileTakenBelow === n) fileTakenBelow = n + 1;
      continue;
    }
    if (lookup) {
      const askName = varying.includes('username') && v.spec.username !== undefined && !knows('username', v.spec.username);
      const askAddresses = varying.filter((f) => f !== 'username').flatMap((f) => valuesOf(v, f)).filter((a) => !knows('address', a));
      if (askName || askAddresses.length) {
        lookup.setHint?.(hintKey, n, why);
        // Deep into a crowded stem, ask for as many again at once.
        return need(render, base, varying, n, Math.max(1, ctx.window ?? 8, n - start, n), fixed);
      }
    }
    let holder: NameHolder | undefined;
    if (lookup && varying.includes('username') && v.spec.username !== undefined) {
      holder = lookup.user(v.spec.username);
      if (holder && !(identity === 'sync' ? takesOver(holder, v.spec.mail) : samePerson(holder, v.spec.mail))) {
        if (!why.has('username')) why.set('username', `${v.spec.username} belongs to another person in the directory`);
        continue;
      }
    }
    const self = (holder?.username ?? fixed ?? v.spec.username ?? '').toLowerCase();
    const owned = lookup && varying.filter((f) => f !== 'username').flatMap((f) => valuesOf(v, f).map((a) => [f, a, lookup.addressOwner(a)] as const))
      .find(([, , owner]) => owner !== undefined && owner.toLowerCase() !== self);
    if (owned) {
      if (!why.has(owned[0])) why.set(owned[0], `${owned[1]} belongs to ${owned[2]} in the directory`);
      continue;
    }
    if (fileTakenBelow > seen.firstIteration(stem)) seen.usedBelow(stem, fileTakenBelow);
    // The next row of this kind starts after this one; its first choice is refused for why this row's was, or for this row.
    lookup?.setHint?.(hintKey, n + 1, n === 0 ? new Map(varying.map((f) => [f, `${valuesOf(v, f).join(',')} is already used on line ${line}`])) : why);
    claimAll(v, line, seen);
    const notes = n === 0 ? [] : varying.flatMap((f) => {
      const now = valuesOf(v, f).join(',');
      const was = valuesOf(base, f).join(',');
      return now === was ? [] : [`${f} ${was}: ${why.get(f) ?? 'taken by an earlier row or by another person in the directory'}; derived ${now} instead`];
    });
    return { ok: true, rendered: v, iteration: n, holder, notes };
  }
  const e = rowIssue(varying.includes('username') ? 'MAP_DUPLICATE_USERNAME' : 'MAP_DUPLICATE_MAIL', `no free name derived from ${stem.replace('\u0000', ' / ')} within ${MAX_ITERATIONS} tries`, { line, field: base.fieldOf(varying[0]) });
  return { ok: false, errors: [e], notes: [...base.notes], username: base.spec.username };
}

/** A sync takes over a user no feed manages yet, when its mail is the row's. */
function takesOver(holder: NameHolder, mail: string | undefined): boolean {
  return holder.feed === undefined && mail !== undefined && holder.mail !== undefined && samePerson(holder, mail);
}

/** The names the directory must be asked about: the row's derived values over the next `window` iterations. */
function need(render: (at: RenderAt) => Rendered, base: Rendered, varying: readonly string[], from: number, window: number, fixed: string | undefined): NeedNames {
  const usernames: string[] = [];
  const addresses: string[] = [];
  for (let n = from; n < from + window; n++) {
    const v = n === 0 ? base : render({ token: iterationToken(n), username: fixed });
    if (v.issues.length) break;
    if (varying.includes('username') && v.spec.username !== undefined) usernames.push(v.spec.username);
    for (const f of varying) if (f !== 'username') addresses.push(...valuesOf(v, f));
  }
  return { need: { usernames, addresses } };
}

function valuesOf(v: Rendered, field: string): string[] {
  if (field === 'username') return v.spec.username === undefined ? [] : [v.spec.username];
  if (field === 'mail') return v.spec.mail === undefined ? [] : [v.spec.mail];
  return v.spec.aliases ?? [];
}

function fileOwner(seen: SeenTracker, field: string, value: string): number | undefined {
  return field === 'username' ? seen.usernameOwner(value) : seen.addressOwner(value)?.line;
}

/**
 * The duplicates of the row's given values (its cells) with earlier rows; `dryRun`
 * only reports, else the free ones are claimed. A person's own user name (found by
 * key) is not a cell's.
 */
function claimGiven(v: Rendered, line: number, seen: SeenTracker, dryRun: boolean, nameIsOwn = false): OxprovError[] {
  const issues: OxprovError[] = [];
  const { spec, derived, fieldOf } = v;
  if (spec.username !== undefined && !derived.has('username') && !nameIsOwn) {
    const owner = seen.usernameOwner(spec.username);
    if (owner !== undefined) issues.push(rowIssue('MAP_DUPLICATE_USERNAME', `user name ${spec.username} is already used on line ${owner}`, { line, field: fieldOf('username'), value: spec.username }));
    else if (!dryRun) seen.claimUsername(spec.username, line);
  }
  if (spec.mail !== undefined && !derived.has('mail')) {
    const owner = seen.addressOwner(spec.mail);
    if (owner !== undefined) issues.push(rowIssue('MAP_DUPLICATE_MAIL', `address ${spec.mail} is already used as ${owner.kind} on line ${owner.line}`, { line, field: fieldOf('mail'), value: spec.mail }));
    else if (!dryRun) seen.claimAddress(spec.mail, line, 'mail');
  }
  if (!derived.has('alias')) {
    for (const alias of spec.aliases ?? []) {
      const owner = seen.addressOwner(alias);
      // A user's own mail repeated among its aliases is harmless (and common in OX exports).
      if (owner !== undefined && owner.line !== line) issues.push(rowIssue('MAP_DUPLICATE_ALIAS', `alias ${alias} is already used as ${owner.kind} on line ${owner.line}`, { line, field: fieldOf('alias'), value: alias }));
      else if (!dryRun) seen.claimAddress(alias, line, 'alias');
    }
  }
  return issues;
}

/** Claims every name and address of the decided row. */
function claimAll(v: Rendered, line: number, seen: SeenTracker): void {
  const { spec } = v;
  if (spec.username !== undefined) seen.claimUsername(spec.username, line);
  if (spec.mail !== undefined) seen.claimAddress(spec.mail, line, 'mail');
  for (const alias of spec.aliases ?? []) seen.claimAddress(alias, line, 'alias');
}
