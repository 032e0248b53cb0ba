import { createHash } from 'node:crypto';
import type { Config } from '../../config/config.js';
import { OxprovError } from '../../errors.js';
import { Provisioner, type ProvisionerOptions } from '../../provision/provisioner.js';
import type { AdminCredentials } from './admin-auth.js';

/**
 * One Provisioner per administrator for the service's lifetime: its LDAP
 * connection is bound as that administrator (so the directory's ACLs apply to
 * what the admin does), SQL and IMAP use the service's own credentials. A
 * daemon serves few administrators, so the pool is bounded by them (one entry per DN). The key
 * includes a hash of the password: after a password change the old
 * connection's automatic rebind would fail, so a new one is opened.
 */
const RETIRE_AFTER_MS = 60_000;

export class ProvisionerPool {
  private readonly open = new Map<string, Promise<Provisioner>>();
  /** The current key of each administrator DN: a new password retires the old connections. */
  private readonly keyOf = new Map<string, string>();
  private closed = false;

  constructor(private readonly config: Readonly<Config>, private readonly options: ProvisionerOptions = {}) {}

  get(admin: AdminCredentials): Promise<Provisioner> {
    if (this.closed) return Promise.reject(new OxprovError('ADMIN_INVALID_REQUEST', 'the admin service is closed'));
    const key = `${admin.dn}\0${createHash('sha256').update(admin.password).digest('hex')}`;
    let p = this.open.get(key);
    if (p === undefined) {
      p = Provisioner.open(this.config, { ...this.options, ldap: { ...this.options.ldap, bindDn: admin.dn, bindPassword: admin.password } });
      // A failed open (a back-end down) must not be remembered: the next call tries again.
      p.catch(() => { if (this.open.get(key) === p) this.open.delete(key); });
      this.open.set(key, p);
      this.retire(admin.dn, key);
    }
    return p;
  }

  /**
   * After a password change the old connections would only pile up: close them,
   * a minute later so that calls still running on them can finish.
   */
  private retire(dn: string, key: string): void {
    const old = this.keyOf.get(dn);
    this.keyOf.set(dn, key);
    if (old === undefined || old === key) return;
    const stale = this.open.get(old);
    this.open.delete(old);
    setTimeout(() => { void stale?.then((prov) => prov.close(), () => {}); }, RETIRE_AFTER_MS).unref();
  }

  /** Closes every provisioner; safe twice. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((p) => p.then((prov) => prov.close(), () => {})));
  }
}
