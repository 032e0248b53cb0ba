import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../../src/daemon/login-throttle.js';

const SETTINGS = { freeFailures: 2, baseDelayMs: 100, maxDelayMs: 1000, lockAfter: 6, nameLockAfter: 20, lockMs: 60_000, windowMs: 600_000 };

describe('LoginThrottle', () => {
  it('answers failures later and later, then refuses the address for a while', () => {
    let t = 0;
    const th = new LoginThrottle(SETTINGS, () => t);
    const delays = Array.from({ length: 6 }, () => th.failure('10.0.0.1', 'mailadmin'));
    expect(delays).toEqual([0, 0, 100, 200, 400, 800]);
    expect(th.refusal('10.0.0.1', 'mailadmin')).toMatch(/too many failed logins from 10\.0\.0\.1; try again in 60 s/);
    // Another address is not affected, and neither is another name from it… until the address is locked.
    expect(th.refusal('10.0.0.2', 'mailadmin')).toBeUndefined();
    t += 60_001;
    expect(th.refusal('10.0.0.1', 'mailadmin')).toBeUndefined();
  });

  it('refuses a guessed name from the addresses that guessed it, never from a clean one', () => {
    const th = new LoginThrottle(SETTINGS, () => 0);
    for (let i = 0; i < 20; i++) th.failure(`10.0.1.${i}`, 'mailadmin');
    expect(th.refusal('10.0.1.3', 'mailadmin')).toMatch(/too many failed logins for mailadmin/);
    expect(th.refusal('10.0.9.9', 'mailadmin')).toBeUndefined();
  });

  it('a correct login clears its address, and old failures are forgotten', () => {
    let t = 0;
    const th = new LoginThrottle(SETTINGS, () => t);
    for (let i = 0; i < 4; i++) th.failure('10.0.0.5', 'x');
    th.success('10.0.0.5');
    expect(th.failure('10.0.0.5', 'y')).toBe(0);
    t += 600_001;
    expect(th.failure('10.0.0.6', 'x')).toBe(0);
  });
});
