import { describe, expect, it } from 'vitest';
import { SessionStore } from '../../../src/web/session-store.js';

describe('SessionStore', () => {
  const settings = { idleMs: 1_000, maxAgeMs: 5_000, maxSessions: 3 };

  it('creates sessions with long random ids and CSRF tokens, and finds them again', () => {
    const store = new SessionStore(settings, () => 0);
    const a = store.create('MailAdmin', 'uid=mailadmin,ou=admins,dc=test,dc=tux');
    const b = store.create('other', 'uid=other,ou=admins,dc=test,dc=tux');
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([a.id, a.csrf, b.id, b.csrf]).size).toBe(4);
    expect(store.get(a.id)).toMatchObject({ user: 'mailadmin', dn: 'uid=mailadmin,ou=admins,dc=test,dc=tux' });
    expect(store.get('nope')).toBeUndefined();
    expect(store.get(undefined)).toBeUndefined();
    expect(store.get('')).toBeUndefined();
  });

  it('ends a session after the idle time, and activity keeps it alive', () => {
    let t = 0;
    const store = new SessionStore(settings, () => t);
    const s = store.create('a', 'uid=a');
    t = 900;
    expect(store.get(s.id)).toBeDefined();
    t = 1_800;
    expect(store.get(s.id)).toBeDefined();
    t = 2_801;
    expect(store.get(s.id)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('ends a session after its absolute lifetime whatever the activity', () => {
    let t = 0;
    const store = new SessionStore(settings, () => t);
    const s = store.create('a', 'uid=a');
    for (t = 500; t <= 5_000; t += 500) expect(store.get(s.id)).toBeDefined();
    t = 5_001;
    expect(store.get(s.id)).toBeUndefined();
  });

  it('logout destroys the session; the oldest goes when the store is full', () => {
    const store = new SessionStore(settings, () => 0);
    const [a, b, c] = [store.create('a', 'uid=a'), store.create('b', 'uid=b'), store.create('c', 'uid=c')];
    store.destroy(b.id);
    expect(store.get(b.id)).toBeUndefined();
    const d = store.create('d', 'uid=d');
    const e = store.create('e', 'uid=e');
    expect(store.get(a.id)).toBeUndefined();
    expect([c, d, e].every((s) => store.get(s.id))).toBe(true);
    expect(store.cookieMaxAgeSeconds).toBe(5);
  });
});
