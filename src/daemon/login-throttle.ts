/** How failed administrator logins are slowed down and refused. */
export interface ThrottleSettings {
  /** Failures of an address or a name that are answered without delay. */
  readonly freeFailures: number;
  /** The delay of the first delayed failure; doubled with each further one. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** After this many failures an address is refused for `lockMs`, whatever the password. */
  readonly lockAfter: number;
  /** After this many failures of one name (from any address), that name is refused for `lockMs` from every address that failed with it. */
  readonly nameLockAfter: number;
  readonly lockMs: number;
  /** Failures older than this are forgotten. */
  readonly windowMs: number;
}

export const DEFAULT_THROTTLE: ThrottleSettings = Object.freeze({
  freeFailures: 3, baseDelayMs: 500, maxDelayMs: 8_000, lockAfter: 10, nameLockAfter: 50, lockMs: 5 * 60_000, windowMs: 15 * 60_000,
});

interface Counter { failures: number; last: number; lockedUntil: number }

/**
 * Password guessing against the daemon, slowed down per client address and per
 * administrator name: a failure is answered later and later, then the address
 * is refused for a while. Nothing is delayed before the password is known to be
 * wrong, so a correct login is never slowed, and another caller never waits.
 * Memory is bounded by forgetting counters older than the window.
 */
export class LoginThrottle {
  private readonly byAddress = new Map<string, Counter>();
  private readonly byName = new Map<string, Counter>();
  /** Addresses that failed with a name: the ones a locked name is refused from. */
  private readonly failedWith = new Map<string, Set<string>>();

  constructor(private readonly settings: ThrottleSettings = DEFAULT_THROTTLE, private readonly now: () => number = Date.now) {}

  /** Why this call is refused before its password is even tried, or undefined. */
  refusal(address: string, name: string): string | undefined {
    const t = this.now();
    const a = this.live(this.byAddress, address, t);
    if (a && a.lockedUntil > t) return `too many failed logins from ${address}; try again in ${Math.ceil((a.lockedUntil - t) / 1000)} s`;
    const n = this.live(this.byName, name, t);
    if (n && n.lockedUntil > t && this.failedWith.get(name)?.has(address)) {
      return `too many failed logins for ${name}; try again in ${Math.ceil((n.lockedUntil - t) / 1000)} s`;
    }
    return undefined;
  }

  /** Records a failed login; resolves to how long to wait before answering it. */
  failure(address: string, name: string): number {
    const t = this.now();
    const a = this.bump(this.byAddress, address, t);
    const n = this.bump(this.byName, name, t);
    let set = this.failedWith.get(name);
    if (!set) this.failedWith.set(name, set = new Set());
    set.add(address);
    const s = this.settings;
    if (a.failures >= s.lockAfter) a.lockedUntil = t + s.lockMs;
    if (n.failures >= s.nameLockAfter) n.lockedUntil = t + s.lockMs;
    const over = Math.max(a.failures, n.failures) - s.freeFailures;
    return over <= 0 ? 0 : Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** (over - 1));
  }

  /** A correct login clears its address (not the name: others may be guessing it). */
  success(address: string): void {
    this.byAddress.delete(address);
  }

  private live(map: Map<string, Counter>, key: string, t: number): Counter | undefined {
    const c = map.get(key);
    if (c && t - c.last > this.settings.windowMs && c.lockedUntil <= t) {
      map.delete(key);
      return undefined;
    }
    return c;
  }

  private bump(map: Map<string, Counter>, key: string, t: number): Counter {
    const c = this.live(map, key, t) ?? { failures: 0, last: t, lockedUntil: 0 };
    c.failures++;
    c.last = t;
    map.set(key, c);
    if (map.size > 100_000) this.sweep(map, t);
    return c;
  }

  private sweep(map: Map<string, Counter>, t: number): void {
    for (const [k, c] of map) if (t - c.last > this.settings.windowMs && c.lockedUntil <= t) map.delete(k);
  }
}
