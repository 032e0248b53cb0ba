import { describe, expect, it } from 'vitest';
import { changesState, checkCsrf } from '../../../src/web/csrf.js';
import { SessionStore } from '../../../src/web/session-store.js';

describe('the CSRF check', () => {
  const session = new SessionStore().create('a', 'uid=a');

  it('lets the right token through', () => {
    expect(() => checkCsrf(session, session.csrf)).not.toThrow();
    expect(() => checkCsrf(session, [session.csrf])).not.toThrow();
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['another session\'s', new SessionStore().create('b', 'uid=b').csrf],
    ['shorter', session.csrf.slice(1)],
    ['the session id', session.id],
  ])('refuses a %s token with WEB_CSRF', (_what, token) => {
    expect(() => checkCsrf(session, token)).toThrow(expect.objectContaining({ code: 'WEB_CSRF', field: 'x-csrf-token' }));
  });

  it('asks for it on every method that can change something', () => {
    expect(['GET', 'HEAD', 'OPTIONS', 'get'].map(changesState)).toEqual([false, false, false, false]);
    expect(['POST', 'PUT', 'PATCH', 'DELETE', 'post'].map(changesState)).toEqual([true, true, true, true, true]);
  });
});
