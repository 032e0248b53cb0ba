import { createHash } from 'node:crypto';
import type { Config } from '../../config/config.js';
import { OxprovError } from '../../errors.js';
import { openServices, type ServiceSetup, type Services } from '../open-services.js';
import type { AdminCredentials } from './admin-auth.js';

const RETIRE_AFTER_MS = 60_000;

/**
 * One set of services per administrator for the service's lifetime: the
 * directory connection is bound as that administrator (so the directory's ACLs
 * apply to what the admin does), SQL and IMAP use the service's own
 * credentials. A daemon serves few administrators, so the pool is bounded by
 * them. The key includes a hash of the password: after a password change the
 * old connection's automatic rebind would fail, so a new one is opened.
 */
export class AdminSessions {
  private readonly open = new Map<string, Promise<Services>>();
  /** The current key of each administrator DN: a new password retires the old connections. */
  private readonly keyOf = new Map<string, string>();
  private closed = false;

  constructor(private readonly config: Readonly<Config>, private readonly setup: ServiceSetup = {}) {}

  get(admin: AdminCredentials): Promise<Services> {
    if (this.closed) return Promise.reject(new OxprovError('ADMIN_INVALID_REQUEST', 'the admin service is closed'));
    const key = `${admin.dn}\0${createHash('sha256').update(admin.password).digest('hex')}`;
    let p = this.open.get(key);
    if (p === undefined) {
      p = openServices(this.config, { ...this.setup, bind: { dn: admin.dn, password: admin.password } });
      // A failed open (a back-end down) must not be remembered: the next call tries again.
      p.catch(() => { if (this.open.get(key) === p) this.open.delete(key); });
      this.open.set(key, p);
      this.retire(admin.dn, key);
    }
    return p;
  }

  /** After a password change the old connections would only pile up: close them a minute later, when calls on them are done. */
  private retire(dn: string, key: string): void {
    const old = this.keyOf.get(dn);
    this.keyOf.set(dn, key);
    if (old === undefined || old === key) return;
    const stale = this.open.get(old);
    this.open.delete(old);
    setTimeout(() => { void stale?.then((s) => s.close(), () => {}); }, RETIRE_AFTER_MS).unref();
  }

  /** Closes every session; safe twice. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((p) => p.then((s) => s.close(), () => {})));
  }
}
