import { randomBytes } from 'node:crypto';

/** One logged-in administrator. It holds no password: the directory checked it once, at login. */
export interface Session {
  /** The cookie's value. */
  readonly id: string;
  /** Sent back in `X-CSRF-Token` with every state-changing request. */
  readonly csrf: string;
  /** The administrator's name as typed (lower case) and DN. */
  readonly user: string;
  readonly dn: string;
  readonly createdAt: number;
  lastSeen: number;
}

/** How long a session lives. */
export interface SessionSettings {
  /** Without a request for this long, the session ends. */
  readonly idleMs: number;
  /** Whatever the activity, it ends this long after the login. */
  readonly maxAgeMs: number;
  /** Sessions kept at most; the oldest goes first. */
  readonly maxSessions: number;
}

export const DEFAULT_SESSIONS: SessionSettings = Object.freeze({ idleMs: 30 * 60_000, maxAgeMs: 8 * 3_600_000, maxSessions: 1_000 });

const token = () => randomBytes(32).toString('base64url');

/**
 * The page's sessions, in memory: a restarted daemon logs everyone out, which
 * is the safe side. Ids and CSRF tokens are 256 random bits each.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly settings: SessionSettings = DEFAULT_SESSIONS, private readonly now: () => number = Date.now) {}

  create(user: string, dn: string): Session {
    const t = this.now();
    this.sweep();
    // A Map iterates in insertion order: the first is the oldest.
    while (this.sessions.size >= this.settings.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    const s: Session = { id: token(), csrf: token(), user: user.toLowerCase(), dn, createdAt: t, lastSeen: t };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session of this id (and it counts as activity), or undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined || id === '') return undefined;
    const s = this.sessions.get(id);
    if (s === undefined) return undefined;
    const t = this.now();
    if (this.expired(s, t)) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastSeen = t;
    return s;
  }

  destroy(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Forgets expired sessions. */
  sweep(): void {
    const t = this.now();
    for (const [id, s] of this.sessions) if (this.expired(s, t)) this.sessions.delete(id);
  }

  /** Seconds the cookie is given: the absolute lifetime (idle expiry is the server's). */
  get cookieMaxAgeSeconds(): number {
    return Math.floor(this.settings.maxAgeMs / 1000);
  }

  private expired(s: Session, t: number): boolean {
    return t - s.lastSeen > this.settings.idleMs || t - s.createdAt > this.settings.maxAgeMs;
  }
}
