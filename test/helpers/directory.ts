import type { Config } from '../../src/config/config.js';
import type { Directory, DirectoryUser } from '../../src/provision/backends.js';
import { openBackends } from '../../src/provision/open-backends.js';

/** The real directory of the local stack through the back-end interface, bound as oxprov's own account. */
export async function openDirectory(config: Readonly<Config>): Promise<Directory> {
  return (await openBackends(config, { only: ['ldap'] })).directory!;
}

export async function findUser(dir: Directory, username: string): Promise<DirectoryUser | undefined> {
  return (await dir.findUsers([username])).get(username.toLowerCase());
}

export async function groupExists(dir: Directory, name: string): Promise<boolean> {
  return (await dir.groups.find([name])).size > 0;
}

export async function resourceExists(dir: Directory, name: string, kind: 'OXResourceObject' | 'OXResourceGroupObject'): Promise<boolean> {
  return (await dir.resources.find(kind === 'OXResourceObject' ? 'resource' : 'resourcegroup', [name])).size > 0;
}

/**
 * `<prefix>0` … `<prefix>${n - 1}` as the directory has them now: how many there are and how many
 * different uidNumbers they have (a user made twice, or two users given one number, shows here).
 */
export async function countUsers(config: Readonly<Config>, prefix: string, n: number): Promise<{ users: number; uidNumbers: number }> {
  const directory = await openDirectory(config);
  try {
    const found = await directory.findUsers(Array.from({ length: n }, (_, i) => `${prefix}${i}`));
    return { users: found.size, uidNumbers: new Set([...found.values()].map((u) => u.uidNumber)).size };
  } finally {
    await directory.close();
  }
}
