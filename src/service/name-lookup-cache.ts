import type { NameHolder, NameLookup } from '../model/name-lookup.js';
import type { DirectoryUser } from '../provision/backends.js';
import type { UserLookupView } from './directory-snapshot.js';
import { holderOf } from './user-rules.js';

/**
 * What the directory said about the names asked so far, for deciding the names
 * of rows in input order (src/mapping/claim-names.ts): asked in bulk, answered
 * from memory. Without a directory it knows that nobody holds any name.
 */
export class NameLookupCache implements NameLookup {
  private readonly users = new Map<string, NameHolder | null>();
  private readonly owners = new Map<string, string | null>();
  private readonly hints = new Map<string, { n: number; why: ReadonlyMap<string, string> }>();

  constructor(private readonly view: UserLookupView | undefined, private readonly retry: <T>(work: () => Promise<T>) => Promise<T> = (w) => w()) {}

  knows(kind: 'username' | 'address', value: string): boolean {
    return this.view === undefined || (kind === 'username' ? this.users : this.owners).has(value.toLowerCase());
  }

  user(username: string): NameHolder | undefined {
    return this.users.get(username.toLowerCase()) ?? undefined;
  }

  addressOwner(address: string): string | undefined {
    return this.owners.get(address.toLowerCase()) ?? undefined;
  }

  /** Where rows of one stem and identity begin looking for free names (see claim-names.ts), and why the iterations below were refused. */
  hint(key: string): { n: number; why: ReadonlyMap<string, string> } | undefined {
    return this.hints.get(key);
  }

  setHint(key: string, n: number, why: ReadonlyMap<string, string>): void {
    if (n > (this.hints.get(key)?.n ?? 0)) this.hints.set(key, { n, why: new Map(why) });
  }

  /**
   * Users already read (a sync reads its known people by key): their names and
   * addresses are answered from them, not asked again.
   */
  prime(users: Iterable<Pick<DirectoryUser, 'username' | 'attributes'>>): void {
    for (const u of users) {
      const holder = holderOf(u);
      this.users.set(u.username.toLowerCase(), holder);
      for (const a of holder.addresses) if (!this.owners.has(a.toLowerCase())) this.owners.set(a.toLowerCase(), u.username);
    }
  }

  /** Asks the directory about the names and addresses not asked yet: one bulk look-up of each kind. */
  async fetch(usernames: readonly string[], addresses: readonly string[]): Promise<void> {
    const view = this.view;
    if (view === undefined) return;
    const names = [...new Set(usernames.map((u) => u.toLowerCase()))].filter((u) => !this.users.has(u));
    const addrs = [...new Set(addresses.map((a) => a.toLowerCase()))].filter((a) => !this.owners.has(a));
    const [found, owners] = await Promise.all([
      names.length ? this.retry(() => view.findUsers(names)) : new Map<string, DirectoryUser>(),
      addrs.length ? this.retry(() => view.addressOwners(addrs)) : new Map<string, string>(),
    ]);
    for (const n of names) {
      const u = found.get(n);
      this.users.set(n, u === undefined ? null : holderOf(u));
    }
    for (const a of addrs) this.owners.set(a, owners.get(a) ?? null);
  }
}
