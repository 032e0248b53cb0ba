import { Attribute, Change } from 'ldapts';
import { OxprovError } from '../../errors.js';
import { ldapError, ldapResultCode } from './ldap-errors.js';
import type { LdapConnection } from './ldap-connection.js';

/**
 * Hands out uidNumber / gidNumber values from the id-pool entry. ldapts has no
 * Modify-Increment, so a block is reserved by compare-and-swap: one modify that
 * deletes the value read and adds value + block fails with noSuchAttribute if
 * another process moved the counter first, and is then retried. Unused ids of
 * a reserved block are skipped, never handed out twice.
 */
export class IdAllocator {
  private next = 0;
  private end = 0;
  private refill?: Promise<void>;

  constructor(
    private readonly client: LdapConnection,
    private readonly poolDn: string,
    private readonly attribute: 'uidNumber' | 'gidNumber',
    private readonly blockSize = 1,
  ) {}

  async allocate(): Promise<number> {
    while (this.next >= this.end) {
      this.refill ??= this.reserve(this.blockSize).finally(() => { this.refill = undefined; });
      await this.refill;
    }
    return this.next++;
  }

  private async reserve(count: number): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      let current: number;
      try {
        const { searchEntries } = await this.client.search(this.poolDn, { scope: 'base', filter: '(objectClass=*)', attributes: [this.attribute] });
        current = Number(searchEntries[0]?.[this.attribute]);
      } catch (err) {
        if (ldapResultCode(err) === 32) {
          throw new OxprovError('LDAP_ID_EXHAUSTED', `the id pool entry ${this.poolDn} does not exist: create it (objectClass OXIdPool) with the first free uidNumber and gidNumber`, { backend: 'ldap', cause: err });
        }
        throw ldapError(err, `reading ${this.attribute} from ${this.poolDn}`);
      }
      if (!Number.isInteger(current) || current <= 0) {
        throw new OxprovError('LDAP_ID_EXHAUSTED', `${this.poolDn} holds no valid ${this.attribute}`, { backend: 'ldap' });
      }
      try {
        await this.client.modify(this.poolDn, [
          new Change({ operation: 'delete', modification: new Attribute({ type: this.attribute, values: [String(current)] }) }),
          new Change({ operation: 'add', modification: new Attribute({ type: this.attribute, values: [String(current + count)] }) }),
        ]);
        this.next = current;
        this.end = current + count;
        return;
      } catch (err) {
        if (ldapResultCode(err) !== 16) throw ldapError(err, `reserving ${this.attribute}`);
        await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)));
      }
    }
    throw new OxprovError('LDAP_ID_EXHAUSTED', `could not reserve a ${this.attribute} after 100 attempts (heavy contention on ${this.poolDn})`, { backend: 'ldap', transient: true });
  }
}
