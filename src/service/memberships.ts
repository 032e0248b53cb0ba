import type { DirectoryGroups } from '../provision/backends.js';

/** A user of a batch and the groups it joins (`newGroups`: those the rules decided to create). */
export interface MembershipRequest {
  readonly username: string;
  readonly groups: readonly string[];
  readonly newGroups: readonly string[];
}

/**
 * The group memberships of a batch, in bulk: users gathered per group, one
 * write per group (a create with its first members, or one modify adding all of
 * them), whatever the number of users. A group that fails fails its members of
 * this batch, reported through `onFail` by index into `requests`.
 */
export async function addMemberships(
  groups: DirectoryGroups,
  requests: readonly MembershipRequest[],
  run: <T>(task: () => Promise<T>) => Promise<T>,
  onFail: (index: number, err: unknown) => void,
): Promise<void> {
  const byGroup = new Map<string, { name: string; create: boolean; members: string[]; indexes: number[] }>();
  requests.forEach((r, i) => {
    for (const g of r.groups) {
      const key = g.toLowerCase();
      let entry = byGroup.get(key);
      if (!entry) byGroup.set(key, entry = { name: g, create: false, members: [], indexes: [] });
      if (r.newGroups.some((n) => n.toLowerCase() === key)) entry.create = true;
      entry.members.push(r.username);
      entry.indexes.push(i);
    }
  });
  const failed = new Set<number>();
  await Promise.all([...byGroup.values()].map(async (g) => {
    try {
      await run(async () => {
        // A group made by another batch in flight a moment ago is "exists": then its members are added.
        if (g.create && (await groups.create(g.name, g.members)).outcome === 'created') return;
        await groups.addMembers(g.name, g.members);
      });
    } catch (err) {
      for (const i of g.indexes) if (!failed.has(i)) { failed.add(i); onFail(i, err); }
    }
  }));
}
